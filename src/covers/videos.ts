import { basename, extname } from 'node:path';
import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { CallbackTarget, ServiceDeps } from './deps.js';
import type { Video } from './model.js';
import type { TaskOutcome, VideoPatch, VideoQuery } from './ports.js';

/** What a probe of an accepted video tells: duration (s), display size, frames per second, bits per second. */
export interface ProbedVideo {
  readonly duration: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bitrate: number;
}

/**
 * Reads a video, or rejects a file that is not a usable video (invalid_media) or is past the media limits
 * (invalid_media naming the limit).
 */
export type VideoProber = (file: string, signal?: AbortSignal) => Promise<ProbedVideo>;

/** A new video record: what every way in shares, with `fields` on top. */
export function newVideo(fields: Pick<Video, 'id' | 'accountId' | 'title' | 'status' | 'createdAt'> & Partial<Video>): Video {
  return {
    description: '', coverUrl: '', duration: 0, size: 0, sourceKey: '', sourceUrl: '', errorCode: '', errorMessage: '', uploadJobId: '',
    userData: '', objectKey: '', fileName: '', width: 0, height: 0, fps: 0, bitrate: 0, modifiedAt: fields.createdAt, ...fields,
  };
}

/** Downloads a URL to a local file within limits; rejects with a clear AppError. */
export type UrlFetcher = (url: string, destination: string, signal?: AbortSignal) => Promise<{ bytes: number }>;

export class VideoService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly probe: VideoProber,
    private readonly fetchUrl: UrlFetcher,
    private readonly scratch: () => Promise<{ dir: string; dispose: () => Promise<void> }>,
    private readonly callbackTarget: CallbackTarget,
  ) {}

  /** `smartcover videos import`: checks the file is a video, stores it, and the video is ready at once. */
  async importFile(accountId: string, file: string, title: string): Promise<Video> {
    const probed = await this.probe(file);
    const id = this.deps.newId();
    const sourceKey = `${id}/source${safeExtension(file)}`;
    await this.deps.blobs.put(sourceKey, file, 'application/octet-stream');
    const video = newVideo({
      id, accountId, title, status: 'Normal', ...probed, size: (await stat(file)).size, sourceKey, fileName: basename(file), createdAt: this.deps.clock.now(),
    });
    await this.deps.store.insertVideo(video);
    return video;
  }

  /**
   * UploadMediaByURL: one video per URL, status Uploading, fetched in the background. When the fetch ends,
   * UploadByURLComplete goes to UserData's MessageCallback (or the global callback URL).
   */
  async uploadByUrl(accountId: string, uploads: readonly { url: string; title: string; description: string }[], userData = ''): Promise<{ jobId: string; url: string; videoId: string }[]> {
    const result: { jobId: string; url: string; videoId: string }[] = [];
    for (const upload of uploads) {
      const id = this.deps.newId();
      const jobId = this.deps.newId();
      const now = this.deps.clock.now();
      await this.deps.store.insertVideo(newVideo({
        id, accountId, title: upload.title, description: upload.description, status: 'Uploading', sourceUrl: upload.url, uploadJobId: jobId, userData,
        fileName: upload.url.split(/[?#]/)[0]!.split('/').pop() ?? '', createdAt: now,
      }));
      await this.deps.queue.enqueue({ kind: 'video.fetch', videoId: id, url: upload.url }, { dedupeKey: `video.fetch:${id}` });
      result.push({ jobId, url: upload.url, videoId: id });
    }
    return result;
  }

  /** The worker's half of UploadMediaByURL. A bad URL or file ends in UploadFail with the reason, not a retry. */
  async fetchSource(videoId: string, url: string, signal?: AbortSignal): Promise<TaskOutcome> {
    const video = await this.deps.store.findVideoById(videoId);
    if (video === undefined || video.status !== 'Uploading') return { status: 'done' };
    const scratch = await this.scratch();
    try {
      const local = `${scratch.dir}/source${safeExtension(new URL(url).pathname)}`;
      let bytes: number;
      let probed: ProbedVideo;
      try {
        ({ bytes } = await this.fetchUrl(url, local, signal));
        probed = await this.probe(local, signal);
      } catch (error) {
        if (error instanceof AppError && ['invalid_argument', 'invalid_media', 'forbidden', 'not_found'].includes(error.kind)) {
          await this.finishUpload(video, { status: 'UploadFail', errorCode: uploadErrorCode(error), errorMessage: error.message });
          return { status: 'failed', reason: error.message };
        }
        throw error;
      }
      const sourceKey = `${video.id}/source${safeExtension(local)}`;
      await this.deps.blobs.put(sourceKey, local, 'application/octet-stream');
      await this.finishUpload(video, { status: 'Normal', sourceKey, size: bytes, ...probed, errorCode: '', errorMessage: '' });
      return { status: 'done' };
    } finally {
      await scratch.dispose();
    }
  }

  /** The fetch failed for good (its attempts are used up): the video ends UploadFail with the reason. */
  async giveUpFetch(videoId: string, reason: string): Promise<void> {
    const video = await this.deps.store.findVideoById(videoId);
    if (video !== undefined && video.status === 'Uploading') await this.finishUpload(video, { status: 'UploadFail', errorCode: 'FetchFailed', errorMessage: reason });
  }

  private async finishUpload(video: Video, patch: VideoPatch): Promise<void> {
    await this.update(video.accountId, video.id, patch);
    const url = this.callbackTarget(video.userData);
    if (url !== undefined) await this.deps.queue.enqueue({ kind: 'upload.callback', videoId: video.id, url }, { dedupeKey: `upload.callback:${video.id}` });
  }

  async get(accountId: string, id: string): Promise<Video> {
    const video = await this.deps.store.findVideo(accountId, id);
    if (video === undefined) throw videoNotFound();
    return video;
  }

  async update(accountId: string, id: string, patch: VideoPatch): Promise<void> {
    const updated = await this.deps.store.updateVideo(accountId, id, patch, this.deps.clock.now());
    if (updated === undefined) throw videoNotFound();
  }

  /** Deletes videos; their files go in the background. Returns the ids that did not exist (for this account). */
  async delete(accountId: string, ids: readonly string[]): Promise<{ missing: string[] }> {
    const missing: string[] = [];
    for (const id of ids) {
      const keys = await this.deps.store.deleteVideo(accountId, id);
      if (keys === undefined) missing.push(id);
      else if (keys.length > 0) await this.deps.queue.enqueue({ kind: 'files.delete', keys });
    }
    return { missing };
  }

  /** GetVideoList: one page of the account's videos and how many match. */
  async list(accountId: string, query: VideoQuery): Promise<{ videos: Video[]; total: number }> {
    return this.deps.store.listVideos(accountId, query);
  }
}

export function videoNotFound(): AppError {
  return new AppError('not_found', 'The video does not exist.', { details: { resource: 'video' } });
}

/** Keeps a short, plain extension (".mp4"); anything odd becomes ".bin" so keys stay predictable. */
export function safeExtension(path: string): string {
  const ext = extname(path).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '.bin';
}

function uploadErrorCode(error: AppError): string {
  switch (error.kind) {
    case 'invalid_media':
      return 'InvalidMedia';
    case 'forbidden':
      return 'URLForbidden';
    default:
      return error.details['reason'] === 'too_large' ? 'FileTooLarge' : 'FetchFailed';
  }
}
