import { IMAGE_CONTENT_TYPES, IMAGE_KEY } from '../covers/model.js';
import type { BlobStore, Clock } from '../covers/ports.js';
import { isAppError } from '../errors.js';
import type { UrlAuth } from './url-auth.js';

/**
 * The only files ever served: covers, by the exact name shape jobs give them, and images uploaded with
 * CreateUploadImage. Sources never are.
 */
const COVER_PATH = /^\/([0-9a-f]{32})\/image\/ai\/([0-9a-f]{32}-\d{5}\.(png|gif))$/;

export interface FileResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: NodeJS.ReadableStream | string;
}

/**
 * Serves /<VideoId>/image/ai/<name>.<png|gif>?auth_key=… and /image/<type>/<ImageId>.<ext>?auth_key=… after checking the type-A signature. An expired,
 * tampered or missing key gets 403; a path that is not a cover's gets 404 before any file is touched.
 */
export class CoverFiles {
  constructor(
    private readonly blobs: BlobStore,
    private readonly auth: UrlAuth,
    private readonly clock: Clock,
  ) {}

  async serve(path: string, authKey: string | undefined): Promise<FileResponse> {
    const ext = (COVER_PATH.exec(path)?.[3] ?? IMAGE_KEY.exec(path.slice(1))?.[3]) as keyof typeof IMAGE_CONTENT_TYPES | undefined;
    if (ext === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found\n' };
    if (!this.auth.verify(path, authKey, this.clock.now())) return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Forbidden\n' };
    try {
      const { stream, size } = await this.blobs.open(path.slice(1));
      return {
        status: 200,
        headers: { 'content-type': IMAGE_CONTENT_TYPES[ext], 'content-length': String(size), 'cache-control': 'private, max-age=600' },
        body: stream,
      };
    } catch (error) {
      if (isAppError(error, 'not_found')) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found\n' };
      throw error;
    }
  }
}
