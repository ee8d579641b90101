import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, isAppError, tooLargeError } from '../errors.js';
import type { CallbackTarget, ServiceDeps } from './deps.js';
import type { JobService } from './jobs.js';
import { IMAGE_CONTENT_TYPES, IMAGE_KEY, partBlobKey, type Image, type MultipartUpload, type UploadPart, type Video } from './model.js';
import type { TaskOutcome } from './ports.js';
import type { TemplateService } from './templates.js';
import type { UploadClaims, UploadCredential, UploadCredentials } from './upload-credentials.js';
import { newVideo, safeExtension, videoNotFound, type VideoProber } from './videos.js';

/**
 * Uploads the VOD way: CreateUploadVideo / CreateUploadImage issue an object key and a credential for it,
 * the client writes the bytes through the object endpoint (one PUT, or a multipart upload whose parts
 * are staged blobs), and a completed video is probed in the background: Normal, or UploadFail with the
 * reason. No "upload finished" call exists; completing the object is the signal.
 */
export interface UploadSettings {
  /** Seconds an upload credential is good for (VOD: 3000). */
  readonly credentialSeconds: number;
  /** Largest object accepted, bytes (a multipart upload's parts together). */
  readonly maxBytes: number;
  /** Submit a cover job with the account's default template when an upload ends Normal (UserData can say otherwise). */
  readonly autoCovers: boolean;
  /** Seconds after which an upload that never completed is cleaned up (its video deleted, its parts too). */
  readonly abandonSeconds: number;
}

/** What a credential may write: a video's source or an image, found from the object key it was issued for. */
export type UploadTarget =
  | { readonly kind: 'video'; readonly video: Video; readonly blobKey: string; readonly contentType: string }
  | { readonly kind: 'image'; readonly image: Image; readonly blobKey: string; readonly contentType: string };

export interface IssuedUpload {
  readonly objectKey: string;
  readonly credential: UploadCredential;
  /** How long the credential is good for, as granted (UploadAuth's Expiration). */
  readonly seconds: number;
}

/** OSS: parts are numbered 1–10000; every part but the last holds at least 100 KB. */
export const MAX_PARTS = 10_000;
export const MIN_PART_BYTES = 100 * 1024;

const VIDEO_KEY = /^sv\/([0-9a-f]{32})\/\1(\.[a-z0-9]{1,5})$/;

export class UploadService {
  constructor(
    private readonly deps: ServiceDeps,
    readonly credentials: UploadCredentials,
    private readonly settings: UploadSettings,
    private readonly probe: VideoProber,
    private readonly jobs: JobService,
    private readonly templates: TemplateService,
    private readonly callbackTarget: CallbackTarget,
  ) {}

  /** CreateUploadVideo: a video Uploading, its object key, and a credential for that key alone. */
  async createVideo(accountId: string, input: { title: string; fileName: string; description: string; coverUrl: string; userData: string }): Promise<{ video: Video; upload: IssuedUpload }> {
    const id = this.deps.newId();
    const ext = safeExtension(input.fileName);
    const objectKey = `sv/${id}/${id}${ext}`;
    const video = newVideo({
      id, accountId, title: input.title, description: input.description, coverUrl: input.coverUrl, status: 'Uploading', objectKey,
      fileName: input.fileName, userData: input.userData, createdAt: this.deps.clock.now(),
    });
    await this.deps.store.insertVideo(video);
    return { video, upload: this.issue(accountId, objectKey) };
  }

  /** RefreshUploadVideo: a new credential for the same object key, while the video is still Uploading. */
  async refreshVideo(accountId: string, videoId: string): Promise<{ video: Video; upload: IssuedUpload }> {
    const video = await this.deps.store.findVideo(accountId, videoId);
    if (video === undefined || video.objectKey === '') throw videoNotFound();
    if (video.status !== 'Uploading') throw new AppError('conflict', `The video's upload is over (status ${video.status}).`, { details: { resource: 'video' } });
    // Touching the video keeps the sweeper off an upload that is still being worked on.
    await this.deps.store.updateVideo(accountId, videoId, {}, this.deps.clock.now());
    return { video, upload: this.issue(accountId, video.objectKey) };
  }

  /** CreateUploadImage: an image Uploading, at image/<type>/<ImageId>.<ext>, with its credential. */
  async createImage(accountId: string, input: { type: Image['type']; ext: Image['ext']; title: string }): Promise<{ image: Image; upload: IssuedUpload }> {
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    const image: Image = { id, accountId, type: input.type, ext: input.ext, title: input.title, objectKey: `image/${input.type}/${id}.${input.ext}`, status: 'Uploading', size: 0, createdAt: now, modifiedAt: now };
    await this.deps.store.insertImage(image);
    return { image, upload: this.issue(accountId, image.objectKey) };
  }

  /**
   * What to keep as a video's CoverURL: the path of one of the account's own uploaded images (ImageURL as
   * CreateUploadImage gave it, signed or not), so it is signed afresh whenever the video is read; any
   * other URL as given.
   */
  async coverFor(accountId: string, url: string): Promise<string> {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      return url;
    }
    const match = IMAGE_KEY.exec(path.slice(1));
    if (match === null) return url;
    const image = await this.deps.store.findImage(accountId, match[2]!);
    return image !== undefined && `/${image.objectKey}` === path ? path : url;
  }

  private issue(accountId: string, objectKey: string): IssuedUpload {
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.settings.credentialSeconds * 1000);
    return { objectKey, credential: this.credentials.issue({ accountId, objectKey, expiresAt }), seconds: this.settings.credentialSeconds };
  }

  /**
   * What a credential's claims let it write at `key`: nothing but the object it was issued for, while that
   * upload is open. Anything else is forbidden.
   */
  async target(claims: UploadClaims, key: string): Promise<UploadTarget> {
    if (key !== claims.objectKey) throw new AppError('forbidden', 'This credential may write only the object it was issued for.');
    const video = VIDEO_KEY.exec(key);
    if (video !== null) {
      const found = await this.deps.store.findVideo(claims.accountId, video[1]!);
      if (found === undefined || found.objectKey !== key) throw new AppError('forbidden', 'The video of this upload no longer exists.');
      if (found.status !== 'Uploading') throw new AppError('forbidden', `The object is already complete (video ${found.status}).`);
      return { kind: 'video', video: found, blobKey: `${found.id}/source${video[2]}`, contentType: 'application/octet-stream' };
    }
    const image = IMAGE_KEY.exec(key);
    if (image !== null) {
      const found = await this.deps.store.findImage(claims.accountId, image[2]!);
      if (found === undefined || found.objectKey !== key) throw new AppError('forbidden', 'The image of this upload no longer exists.');
      if (found.status !== 'Uploading') throw new AppError('forbidden', 'The object is already complete.');
      return { kind: 'image', image: found, blobKey: key, contentType: IMAGE_CONTENT_TYPES[found.ext] };
    }
    throw new AppError('forbidden', 'Not an object key this service issues.');
  }

  /** PutObject: the body straight into the blob store, then the object is complete. Returns its MD5 (hex) and size. */
  async putObject(target: UploadTarget, body: Readable, contentMd5?: string): Promise<{ md5: string; bytes: number }> {
    const { bytes, md5 } = await this.deps.blobs.write(target.blobKey, body, { maxBytes: this.settings.maxBytes, contentType: target.contentType, md5: contentMd5 });
    await this.completed(target, bytes);
    return { md5, bytes };
  }

  async initiateMultipart(target: UploadTarget): Promise<string> {
    const id = this.deps.newId();
    await this.deps.store.insertMultipartUpload({ id, accountId: accountOf(target), objectKey: objectKeyOf(target), createdAt: this.deps.clock.now() });
    return id;
  }

  /**
   * UploadPart, in any order and in parallel: the part is staged as a blob of its own, then recorded, so
   * a part answered 200 survives a restart. The parts together may not pass the size limit.
   */
  async uploadPart(target: UploadTarget, uploadId: string, partNumber: number, body: Readable, contentMd5?: string): Promise<{ md5: string; bytes: number }> {
    await this.openUpload(target, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw new AppError('invalid_argument', `partNumber must be a whole number from 1 to ${MAX_PARTS}.`, { details: { reason: 'part_number' } });
    }
    const room = this.settings.maxBytes - (await this.deps.store.uploadPartsBytes(uploadId, partNumber));
    const { bytes, md5 } = await this.deps.blobs.write(partBlobKey(uploadId, partNumber), body, { maxBytes: room, contentType: 'application/octet-stream', md5: contentMd5 }).catch((error: unknown) => {
      // The part's own room is what ran out; the client is told the upload's limit.
      if (isAppError(error, 'invalid_argument') && error.details['reason'] === 'too_large') throw tooLargeError(this.settings.maxBytes);
      throw error;
    });
    // A concurrent abort may have removed the upload meanwhile: then this part goes too.
    if ((await this.deps.store.findMultipartUpload(uploadId)) === undefined) {
      await this.deps.blobs.delete([partBlobKey(uploadId, partNumber)]);
      throw noSuchUpload();
    }
    await this.deps.store.putUploadPart({ uploadId, partNumber, md5, size: bytes, createdAt: this.deps.clock.now() });
    return { md5, bytes };
  }

  /**
   * CompleteMultipartUpload: the listed parts, ascending, each with the ETag it was answered with, make the
   * object. For a video the answer comes once that is recorded: joining the parts (a copy of every byte,
   * minutes for gigabytes on S3, where clients time out after 60 s) is the worker's first step, before
   * the probe. An image is joined at once. Returns OSS's multipart ETag (MD5 of the parts' MD5s, "-N").
   */
  async completeMultipart(target: UploadTarget, uploadId: string, listed: readonly { partNumber: number; etag: string }[]): Promise<string> {
    const upload = await this.openUpload(target, uploadId);
    if (listed.length === 0) throw new AppError('invalid_argument', 'The list of parts is empty.', { details: { reason: 'invalid_part' } });
    for (let i = 1; i < listed.length; i++) {
      if (listed[i]!.partNumber <= listed[i - 1]!.partNumber) throw new AppError('invalid_argument', 'The parts must be listed in ascending order of part number.', { details: { reason: 'part_order' } });
    }
    const stored = new Map((await this.deps.store.uploadParts(uploadId)).map((p) => [p.partNumber, p]));
    const parts: UploadPart[] = [];
    for (const item of listed) {
      const part = stored.get(item.partNumber);
      if (part === undefined || part.md5 !== item.etag.replace(/"/g, '').toLowerCase()) {
        throw new AppError('invalid_argument', `Part ${item.partNumber} was not uploaded, or its ETag does not match.`, { details: { reason: 'invalid_part' } });
      }
      parts.push(part);
    }
    const small = parts.slice(0, -1).find((p) => p.size < MIN_PART_BYTES);
    if (small !== undefined) throw new AppError('invalid_argument', `Part ${small.partNumber} is smaller than ${MIN_PART_BYTES} bytes; only the last part may be.`, { details: { reason: 'too_small' } });
    const total = parts.reduce((sum, p) => sum + p.size, 0);
    if (total > this.settings.maxBytes) throw tooLargeError(this.settings.maxBytes);
    await this.deps.store.completeMultipartUpload(uploadId, parts.map((p) => p.partNumber));
    if (target.kind === 'image') await this.join({ ...upload, completedParts: parts.map((p) => p.partNumber) }, target.blobKey, target.contentType);
    await this.completed(target, total);
    return `${multipartEtag(parts.map((p) => p.md5))}-${parts.length}`;
  }

  /** A completed upload's listed parts into the object, then every part staged for it goes. */
  private async join(upload: MultipartUpload, blobKey: string, contentType: string): Promise<void> {
    await this.deps.blobs.concat(blobKey, (upload.completedParts ?? []).map((n) => partBlobKey(upload.id, n)), contentType);
    await this.discard(upload.id, (await this.deps.store.uploadParts(upload.id)).map((p) => p.partNumber));
  }

  async abortMultipart(target: UploadTarget, uploadId: string): Promise<void> {
    await this.openUpload(target, uploadId);
    await this.discard(uploadId, (await this.deps.store.uploadParts(uploadId)).map((p) => p.partNumber));
  }

  private async openUpload(target: UploadTarget, uploadId: string): Promise<MultipartUpload> {
    const upload = /^[0-9a-f]{32}$/.test(uploadId) ? await this.deps.store.findMultipartUpload(uploadId) : undefined;
    if (upload === undefined || upload.objectKey !== objectKeyOf(target) || upload.accountId !== accountOf(target) || upload.completedParts !== undefined) throw noSuchUpload();
    return upload;
  }

  private async discard(uploadId: string, partNumbers: readonly number[]): Promise<void> {
    await this.deps.store.deleteMultipartUpload(uploadId);
    await this.deps.blobs.delete(partNumbers.map((n) => partBlobKey(uploadId, n))).catch(async () => {
      await this.deps.queue.enqueue({ kind: 'files.delete', keys: partNumbers.map((n) => partBlobKey(uploadId, n)) });
    });
  }

  /** The object is whole: an image is ready at once; a video is UploadSucc until the worker has probed it. */
  private async completed(target: UploadTarget, bytes: number): Promise<void> {
    const now = this.deps.clock.now();
    if (target.kind === 'image') {
      await this.deps.store.markImageUploaded(target.image.id, bytes, now);
      return;
    }
    const { video } = target;
    await this.deps.store.updateVideo(video.accountId, video.id, { status: 'UploadSucc', size: bytes, sourceKey: target.blobKey }, now);
    await this.deps.queue.enqueue({ kind: 'upload.complete', videoId: video.id }, { dedupeKey: `upload.complete:${video.id}` });
  }

  /**
   * The worker's half: probe the uploaded file. Normal with what the probe found, or UploadFail with the
   * reason for bytes that are not a usable video; then FileUploadComplete, and covers when asked.
   */
  async finish(videoId: string, signal?: AbortSignal): Promise<TaskOutcome> {
    const video = await this.deps.store.findVideoById(videoId);
    if (video === undefined || video.status !== 'UploadSucc') return { status: 'done' };
    // A multipart upload's parts are joined first (again, after a crash: the parts stay until it is done).
    const completed = await this.deps.store.completedUploadOf(video.objectKey);
    if (completed !== undefined) await this.join(completed, video.sourceKey, 'application/octet-stream');
    let outcome: TaskOutcome = { status: 'done' };
    let local = '';
    try {
      const probed = await this.deps.blobs.withLocalFile(video.sourceKey, (file) => this.probe((local = file), signal));
      await this.deps.store.updateVideo(video.accountId, video.id, { status: 'Normal', ...probed }, this.deps.clock.now());
    } catch (error) {
      if (!isAppError(error, 'invalid_media') && !isAppError(error, 'not_found')) throw error;
      await this.deps.store.updateVideo(video.accountId, video.id, { status: 'UploadFail', errorCode: 'InvalidMedia', errorMessage: local === '' ? error.message : error.message.split(`${local}: `).join('') }, this.deps.clock.now());
      outcome = { status: 'failed', reason: error.message };
    }
    const url = this.callbackTarget(video.userData);
    if (url !== undefined) await this.deps.queue.enqueue({ kind: 'upload.callback', videoId: video.id, url, event: 'FileUploadComplete' }, { dedupeKey: `file.uploaded:${video.id}` });
    if (outcome.status === 'done' && wantsCovers(video.userData, this.settings.autoCovers)) {
      await this.jobs.submit(video.accountId, video.id, await this.templates.defaultId(video.accountId), video.userData);
    }
    return outcome;
  }

  /**
   * Cleans up what was never finished: multipart uploads older than the abandon age (with their staged
   * parts), and videos given a credential that never completed (deleted, as if never created).
   */
  async sweep(): Promise<{ uploads: number; videos: number }> {
    const before = new Date(this.deps.clock.now().getTime() - this.settings.abandonSeconds * 1000);
    const uploads = await this.deps.store.multipartUploadsBefore(before, 100);
    for (const upload of uploads) await this.discard(upload.id, (await this.deps.store.uploadParts(upload.id)).map((p) => p.partNumber));
    const videos = await this.deps.store.abandonedVideoUploads(before, 100);
    for (const video of videos) {
      const keys = await this.deps.store.deleteVideo(video.accountId, video.id);
      if (keys !== undefined && keys.length > 0) await this.deps.queue.enqueue({ kind: 'files.delete', keys });
    }
    return { uploads: uploads.length, videos: videos.length };
  }
}

function noSuchUpload(): AppError {
  return new AppError('not_found', 'The specified upload does not exist: it may have been aborted or completed.', { details: { resource: 'upload' } });
}

function accountOf(target: UploadTarget): string {
  return target.kind === 'video' ? target.video.accountId : target.image.accountId;
}

function objectKeyOf(target: UploadTarget): string {
  return target.kind === 'video' ? target.video.objectKey : target.image.objectKey;
}

/** OSS's multipart ETag: the MD5 of the parts' binary MD5s, upper-case hex. */
function multipartEtag(md5s: readonly string[]): string {
  return createHash('md5').update(Buffer.concat(md5s.map((m) => Buffer.from(m, 'hex')))).digest('hex').toUpperCase();
}

/** UserData {"SmartCover": {"AutoCovers": true|false}} decides for one upload; else the setting does. */
function wantsCovers(userData: string, fallback: boolean): boolean {
  try {
    const value = (JSON.parse(userData || '{}') as { SmartCover?: { AutoCovers?: unknown } }).SmartCover?.AutoCovers;
    return typeof value === 'boolean' ? value : fallback;
  } catch {
    return fallback;
  }
}
