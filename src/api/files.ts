import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import parseRange from 'range-parser';
import { IMAGE_CONTENT_TYPES, IMAGE_KEY } from '../covers/model.js';
import type { BlobStore, ByteRange, Clock } from '../covers/ports.js';
import { isAppError, type AppError } from '../errors.js';
import { parseImageProcess } from '../images/image-process.js';
import type { PictureSource, Renditions } from '../images/renditions.js';
import type { UrlAuth } from './url-auth.js';

/**
 * The only files ever served: covers, by the exact name shape jobs give them, images uploaded with
 * CreateUploadImage, and a video's source at its signed source path (the console's player).
 */
const COVER_PATH = /^\/([0-9a-f]{32})\/image\/ai\/([0-9a-f]{32}-\d{5}\.(png|gif))$/;
const SOURCE_PATH = /^\/([0-9a-f]{32})\/video\/source(\.[a-z0-9]{1,5})?$/;
/** A snapshot job's files: its shots, cells and sprite sheets (JPEG), and its thumbnail track. */
const SNAPSHOT_PATH = /^\/[0-9a-f]{32}\/snapshots\/[0-9a-f]{32}\/(?:(?:normal|cell|sprite)-\d{5}\.(jpg)|index\.(vtt))$/;

/**
 * Whether a path is one of the file routes (cover, uploaded image, source, snapshot), however its last segment
 * looks: a refusal on it is answered as the storage behind a FileURL would, in OSS's XML.
 */
export function isFileRoute(path: string): boolean {
  return FILE_ROUTES.some((route) => route.test(path));
}
const FILE_ROUTES = [/^\/[0-9a-f]{32}\/image\/ai\//, /^\/image\/[^/]+\/[^/]+$/, /^\/[0-9a-f]{32}\/video\//, /^\/[0-9a-f]{32}\/snapshots\//];

/** What a player is told a source is, by extension (anything else is offered as bytes). */
const VIDEO_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg', '.ogg': 'video/ogg', '.ts': 'video/mp2t', '.m2ts': 'video/mp2t', '.avi': 'video/x-msvideo', '.flv': 'video/x-flv',
};

/** The unsigned path a video's source is served at: /<VideoId>/video/source.<ext> (its stored extension). */
export function sourcePath(videoId: string, sourceKey: string): string {
  const ext = extname(sourceKey).toLowerCase();
  return `/${videoId}/video/source${/^\.[a-z0-9]{1,5}$/.test(ext) ? ext : ''}`;
}

/** Where a video's source is stored and how large it is, by VideoId; undefined when there is none. */
export type SourceLookup = (videoId: string) => Promise<{ key: string; size: number } | undefined>;

/** The stored picture at a cover's or an image's path, when it exists (a deleted cover's renditions are gone too). */
export type PictureLookup = (path: string) => Promise<PictureSource | undefined>;

export interface FileResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: Readable | Buffer | string;
  /** Set on a refusal: server.ts answers it in OSS's XML, as the storage behind a real FileURL would. */
  readonly refusal?: 'not_found' | 'forbidden';
  /** Set when a rendition could not be made (a bad x-oss-process, a picture too large): answered in OSS's XML. */
  readonly failure?: AppError;
}

/** What a file request carries besides its path. */
export interface FileRequest {
  readonly authKey?: string | undefined;
  /** `x-oss-process`, when the URL asks for a rendition. */
  readonly process?: string | undefined;
  readonly range?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
}

export interface CoverFilesDeps {
  readonly blobs: BlobStore;
  readonly auth: UrlAuth;
  readonly clock: Clock;
  readonly sources: SourceLookup;
  readonly pictures: PictureLookup;
  readonly renditions: Renditions;
  /**
   * Where a WebVTT track's cues send a player for a sheet, signed as of `now`: this service, by path, or a
   * CDN in front of the storage (SMARTCOVER_FILES_URL).
   */
  readonly sheetUrl: (path: string, now: Date) => string;
}

/**
 * How long a CDN or browser may keep a rendition: its bytes never change (its ETag names the source's
 * version and the chain), and a CDN with type-A auth checks the auth_key itself and caches by path and
 * x-oss-process.
 */
const RENDITION_CACHE_CONTROL = 'public, max-age=86400';

const NOT_FOUND: FileResponse = { status: 404, headers: {}, refusal: 'not_found' };
const FORBIDDEN: FileResponse = { status: 403, headers: {}, refusal: 'forbidden' };

/**
 * Serves /<VideoId>/image/ai/<name>.<png|gif>, /image/<type>/<ImageId>.<ext> and /<VideoId>/snapshots/<JobId>/<name> (each
 * ?auth_key=…) after checking the type-A signature, as stored or, with `x-oss-process=image/…`, as a rendition. An expired, tampered or missing key gets 403 (the signature covers the
 * path only, so x-oss-process may be appended to a signed URL); a path that is not a cover's gets 404 before any file is touched.
 */
export class CoverFiles {
  constructor(private readonly deps: CoverFilesDeps) {}

  async serve(path: string, request: FileRequest): Promise<FileResponse> {
    const source = SOURCE_PATH.exec(path);
    if (source !== null) return this.serveSource(path, source[1]!, request.authKey, request.range);
    const snapshot = SNAPSHOT_PATH.exec(path);
    const ext = (COVER_PATH.exec(path)?.[3] ?? IMAGE_KEY.exec(path.slice(1))?.[3] ?? snapshot?.[1]) as keyof typeof IMAGE_CONTENT_TYPES | undefined;
    if (ext === undefined && snapshot?.[2] === undefined) return NOT_FOUND;
    const now = this.deps.clock.now();
    if (!this.deps.auth.verify(path, request.authKey, now)) return FORBIDDEN;
    if (ext === undefined) return this.serveTrack(path, now);
    if (request.process !== undefined) return this.serveRendition(path, request.process, request.ifNoneMatch);
    // A picture's path names its bytes (covers, images and snapshots are never written twice): its tag is
    // known without reading it, and a browser that has it gets a 304.
    const etag = `"${createHash('sha256').update(path).digest('hex').slice(0, 32)}"`;
    const cached = { etag, 'cache-control': 'private, max-age=600' };
    if (matches(request.ifNoneMatch, etag)) return { status: 304, headers: cached };
    try {
      const { stream, size } = await this.deps.blobs.open(path.slice(1));
      return { status: 200, headers: { ...cached, 'content-type': IMAGE_CONTENT_TYPES[ext], 'content-length': String(size) }, body: stream };
    } catch (error) {
      if (isAppError(error, 'not_found')) return NOT_FOUND;
      throw error;
    }
  }

  /**
   * A sprite job's WebVTT track. Its cues name the sheets relatively (sprite-00001.jpg#xywh=…); each is
   * served signed, as of the same moment as the track, so that a player can load the sheets it names
   * (from the CDN when there is one: see sheetUrl).
   */
  private async serveTrack(path: string, now: Date): Promise<FileResponse> {
    let text: string;
    try {
      const { stream } = await this.deps.blobs.open(path.slice(1));
      text = (await buffer(stream)).toString('utf8');
    } catch (error) {
      if (isAppError(error, 'not_found')) return NOT_FOUND;
      throw error;
    }
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    const signed = text.replace(/^((?:sprite|cell)-\d{5}\.jpg)#/gm, (_, name: string) => `${this.deps.sheetUrl(dir + name, now)}#`);
    return {
      status: 200, body: signed,
      // A player on another origin reads the track with a cross-origin request; the signature is the permission.
      headers: { 'content-type': 'text/vtt; charset=utf-8', 'content-length': String(Buffer.byteLength(signed)), 'cache-control': 'private, max-age=600', 'access-control-allow-origin': '*' },
    };
  }

  /** A rendition: the chain is checked before anything is read; an If-None-Match naming it is a 304. */
  private async serveRendition(path: string, process: string, ifNoneMatch: string | undefined): Promise<FileResponse> {
    try {
      const ops = parseImageProcess(process);
      const picture = await this.deps.pictures(path);
      if (picture === undefined) return NOT_FOUND;
      const etag = `"${this.deps.renditions.id(picture, ops)}"`;
      const headers = { etag, 'cache-control': RENDITION_CACHE_CONTROL };
      if (matches(ifNoneMatch, etag)) return { status: 304, headers };
      const made = await this.deps.renditions.get(picture, ops);
      return { status: 200, headers: { ...headers, 'content-type': made.contentType, 'content-length': String(made.bytes) }, body: made.body };
    } catch (error) {
      if (isAppError(error, 'not_found')) return NOT_FOUND;
      if (isAppError(error) && error.kind !== 'internal') return { status: 400, headers: {}, failure: error };
      throw error;
    }
  }

  /**
   * A source, whole or one byte range (players seek by asking for pieces). The signature is checked
   * before the video is looked up; a path whose extension is not the stored one's is not found.
   */
  private async serveSource(path: string, videoId: string, authKey: string | undefined, rangeHeader: string | undefined): Promise<FileResponse> {
    if (!this.deps.auth.verify(path, authKey, this.deps.clock.now())) return FORBIDDEN;
    const found = await this.deps.sources(videoId);
    if (found === undefined || sourcePath(videoId, found.key) !== path) return NOT_FOUND;
    const type = VIDEO_CONTENT_TYPES[extname(found.key).toLowerCase()] ?? 'application/octet-stream';
    const common = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=600' };
    const ranges = rangeHeader === undefined ? undefined : parseRange(found.size, rangeHeader, { combine: true });
    if (ranges === -1) return { status: 416, headers: { ...common, 'content-range': `bytes */${found.size}` } };
    // Malformed, not bytes, or several pieces (which would need multipart/byteranges): the whole file.
    const range: ByteRange | undefined = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : undefined;
    try {
      const { stream, size } = await this.deps.blobs.open(found.key, range);
      if (range === undefined) return { status: 200, headers: { ...common, 'content-length': String(size) }, body: stream };
      return {
        status: 206, body: stream,
        headers: { ...common, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` },
      };
    } catch (error) {
      if (isAppError(error, 'not_found')) return NOT_FOUND;
      throw error;
    }
  }
}

/** Whether an If-None-Match header names this tag (weak or strong), or is `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
}
