import { createHash } from 'node:crypto';
import type { Clock, EventSubject, Store, TaskOutcome } from '../../covers/ports.js';
import { AppError } from '../../errors.js';
import { postJson, type OutboundPolicy } from '../../outbound/guarded-http.js';
import { jobListings } from '../../covers/snapshots.js';
import { aiImageResult } from '../rpc/actions/wire.js';
import { wireTime } from '../rpc/wire-time.js';
import { parseUserData } from './callback-target.js';

/**
 * Delivers events: AIImageComplete when a job ends (ours: VOD documents no event for this job type), and
 * UploadByURLComplete when an UploadMediaByURL fetch ends (VOD's shape). Success is HTTP 200; anything else throws, and the queue retries (3 attempts, 1 s apart, as VOD does).
 * With a callback key, X-VOD-TIMESTAMP and X-VOD-SIGNATURE = md5(url|timestamp|key) let the receiver
 * check the sender.
 */
export class CallbackSender {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: OutboundPolicy,
    private readonly key: string | undefined,
    /** The object endpoint's URL of an uploaded object (FileUploadComplete's FileUrl). */
    private readonly objectUrl: (objectKey: string) => string,
    /** Told each attempt's event and result: delivered, failed (retried by the queue, or given up), refused (a target not allowed). */
    private readonly observe: (event: string, outcome: 'delivered' | 'failed' | 'refused') => void = () => {},
    /** A signed URL of a file's path (and the unsigned one, for patterns), for where the job's client reached the API. */
    private readonly fileUrl: (path: string, now: Date, baseUrl: string) => string = (path) => path,
    private readonly unsignedFileUrl: (path: string, baseUrl: string) => string = (path) => path,
  ) {}

  /** SnapshotComplete: VOD's shape, one SnapshotInfos entry per kind of file the job made. */
  async deliverSnapshot(jobId: string, url: string): Promise<TaskOutcome> {
    const job = await this.store.findSnapshotJob(jobId);
    if (job === undefined || job.eventSent === job.status) return { status: 'done' };
    const now = this.clock.now();
    const status = job.status === 'success' ? 'success' : 'fail';
    const listings = jobListings(job);
    const first = listings[0]?.paths[0];
    const body = JSON.stringify({
      EventTime: wireTime(now), EventType: 'SnapshotComplete', VideoId: job.videoId, Status: status, SubType: 'SpecifiedTime',
      ErrorCode: job.code, ErrorMessage: job.message, CoverUrl: first === undefined ? '' : this.fileUrl(first, now, job.baseUrl),
      Extend: JSON.stringify(parseUserData(job.userData)?.Extend ?? {}),
      SnapshotInfos: status === 'fail'
        ? [{ Status: status, SnapshotType: job.spec.kind, SnapshotCount: 0, SnapshotFormat: 'jpg', SnapshotRegular: '', JobId: job.id }]
        : listings.map((l) => ({
          Status: status, SnapshotType: l.listing, SnapshotCount: l.paths.length, SnapshotFormat: l.format,
          SnapshotRegular: l.regular === '' ? this.fileUrl(l.paths[0]!, now, job.baseUrl) : this.unsignedFileUrl(l.regular, job.baseUrl), JobId: job.id,
        })),
    });
    return this.once('snapshot', job.id, job.status, await this.post('SnapshotComplete', url, body, now));
  }

  async deliver(jobId: string, url: string): Promise<TaskOutcome> {
    const job = await this.store.findJob(jobId);
    if (job === undefined || job.eventSent === job.status) return { status: 'done' };
    const now = this.clock.now();
    const body = JSON.stringify({
      EventTime: wireTime(now),
      EventType: 'AIImageComplete',
      JobId: job.id,
      VideoId: job.videoId,
      Status: job.status,
      Code: job.code,
      Message: job.message,
      AIImageResult: aiImageResult(job),
      Extend: JSON.stringify(parseUserData(job.userData)?.Extend ?? {}),
    });
    return this.once('cover', job.id, job.status, await this.post('AIImageComplete', url, body, now));
  }

  async deliverUpload(videoId: string, url: string, event?: 'FileUploadComplete'): Promise<TaskOutcome> {
    const video = await this.store.findVideoById(videoId);
    if (video === undefined) return { status: 'done' };
    // Once per UploadMediaByURL job (see once). FileUploadComplete is not marked: a video may be uploaded
    // again (RefreshUploadVideo), and each upload has its event.
    if (event === undefined && video.urlEventSent === video.uploadJobId) return { status: 'done' };
    const now = this.clock.now();
    const extend = JSON.stringify(parseUserData(video.userData)?.Extend ?? {});
    if (event === 'FileUploadComplete') {
      // VOD's shape, plus ours: Status and, for bytes that are not a usable video, the reason.
      const body = JSON.stringify({
        EventTime: wireTime(now), EventType: 'FileUploadComplete', VideoId: video.id, Size: video.size, FileUrl: this.objectUrl(video.objectKey),
        Status: video.status === 'UploadFail' ? 'fail' : 'success', ErrorCode: video.errorCode, ErrorMessage: video.errorMessage, Extend: extend,
      });
      return this.post('FileUploadComplete', url, body, now);
    }
    const body = JSON.stringify({
      EventTime: wireTime(now),
      EventType: 'UploadByURLComplete',
      VideoId: video.id,
      JobId: video.uploadJobId,
      SourceURL: video.sourceUrl,
      Status: video.status === 'UploadFail' ? 'fail' : 'success',
      Size: video.size,
      ErrorCode: video.errorCode,
      ErrorMessage: video.errorMessage,
      Extend: extend,
    });
    return this.once('upload', video.id, video.uploadJobId, await this.post('UploadByURLComplete', url, body, now));
  }

  /**
   * A job's event is sent once per status (an UploadMediaByURL fetch's once per its job): a second delivery
   * task for it finds it acknowledged and stops. Why a second task can exist: on PostgreSQL, a run that
   * outlives its lease runs again elsewhere, and that run cannot tell a first run that queued the event
   * from one that died just before (it queues one). The mark is written after the target's 200, so a
   * crash in between sends the event again: at least once, as VOD's own events are; only two deliveries
   * of one event at the same moment both send.
   */
  private async once(kind: EventSubject, id: string, mark: string, outcome: TaskOutcome): Promise<TaskOutcome> {
    if (outcome.status === 'done') await this.store.markEventSent(kind, id, mark);
    return outcome;
  }

  private async post(event: string, url: string, body: string, now: Date): Promise<TaskOutcome> {
    const headers: Record<string, string> = {};
    if (this.key !== undefined && this.key !== '') {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      headers['X-VOD-TIMESTAMP'] = timestamp;
      headers['X-VOD-SIGNATURE'] = callbackSignature(url, timestamp, this.key);
    }
    const status = await postJson(url, body, headers, this.policy).catch((error: unknown) => {
      // A forbidden target will not become allowed by retrying.
      if (error instanceof AppError && error.kind === 'forbidden') return -1;
      this.observe(event, 'failed');
      throw error;
    });
    if (status === -1) {
      this.observe(event, 'refused');
      return { status: 'failed', reason: `callback URL refused: ${url}` };
    }
    if (status !== 200) {
      this.observe(event, 'failed');
      throw new AppError('unavailable', `callback ${url} answered HTTP ${status}`);
    }
    this.observe(event, 'delivered');
    return { status: 'done' };
  }
}

export function callbackSignature(url: string, timestamp: string, key: string): string {
  return createHash('md5').update(`${url}|${timestamp}|${key}`).digest('hex');
}
