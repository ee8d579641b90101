import type { Readable } from 'node:stream';
import type { AccessKey, Account, ConsoleSession, Cover, Image, Job, JobStatus, KeyStatus, MultipartUpload, SnapshotJob, SnapshotKind, SnapshotResult, SnapshotSpec, Template, TemplateConfig, UploadPart, Video, VideoStatus, VodTemplate } from './model.js';

/**
 * What the domain needs from the outside, as interfaces. storage/ and queue/ implement them; the domain
 * never imports those folders.
 */

export interface Store {
  // Accounts and keys
  ensureAccount(name: string, id: string, now: Date): Promise<Account>;
  findAccount(id: string): Promise<Account | undefined>;
  insertAccessKey(key: AccessKey): Promise<void>;
  findAccessKey(id: string): Promise<AccessKey | undefined>;
  listAccessKeys(): Promise<(Omit<AccessKey, 'secret'> & { accountName: string })[]>;
  setAccessKeyStatus(id: string, status: KeyStatus): Promise<boolean>;

  // Videos
  insertVideo(video: Video): Promise<void>;
  findVideo(accountId: string, id: string): Promise<Video | undefined>;
  /** For background work, which acts for whichever account owns the video. */
  findVideoById(id: string): Promise<Video | undefined>;
  updateVideo(accountId: string, id: string, patch: VideoPatch, now: Date): Promise<Video | undefined>;
  /** Deletes a video with its jobs and covers; returns the blob keys that are now orphaned. */
  deleteVideo(accountId: string, id: string): Promise<string[] | undefined>;
  /** GetVideoList: the account's videos, filtered, one page of them and how many match. */
  listVideos(accountId: string, query: VideoQuery): Promise<{ videos: Video[]; total: number }>;
  /** Videos that were given an upload credential and never completed, last touched before `before`. */
  abandonedVideoUploads(before: Date, limit: number): Promise<Video[]>;

  // Images (CreateUploadImage)
  insertImage(image: Image): Promise<void>;
  findImage(accountId: string, id: string): Promise<Image | undefined>;
  /** Whichever account owns it (a signed file URL is the permission). */
  findImageById(id: string): Promise<Image | undefined>;
  markImageUploaded(id: string, size: number, now: Date): Promise<void>;

  // Multipart uploads on the object endpoint
  insertMultipartUpload(upload: MultipartUpload): Promise<void>;
  findMultipartUpload(id: string): Promise<MultipartUpload | undefined>;
  /** Records a part (replacing one with the same number), once its bytes are stored. */
  putUploadPart(part: UploadPart): Promise<void>;
  uploadParts(uploadId: string): Promise<UploadPart[]>;
  /** Bytes of the upload's recorded parts, leaving out part `except` (one query: an upload may have 10,000). */
  uploadPartsBytes(uploadId: string, except: number): Promise<number>;
  /** Records that the upload is complete with these parts, in order (they are joined afterwards). */
  completeMultipartUpload(id: string, parts: readonly number[]): Promise<void>;
  /** The completed upload of an object key whose parts are still to be joined, if any. */
  completedUploadOf(objectKey: string): Promise<MultipartUpload | undefined>;
  /** Removes the upload and its part records. */
  deleteMultipartUpload(id: string): Promise<void>;
  /** Uploads never completed, started before `before`. */
  multipartUploadsBefore(before: Date, limit: number): Promise<MultipartUpload[]>;

  // Templates (System templates have accountId '' and are visible to every account)
  insertTemplate(template: Template): Promise<void>;
  findTemplate(accountId: string, id: string): Promise<Template | undefined>;
  listTemplates(accountId: string): Promise<Template[]>;
  updateTemplate(accountId: string, id: string, patch: { name?: string; config?: TemplateConfig }, now: Date): Promise<Template | undefined>;
  deleteTemplate(accountId: string, id: string): Promise<boolean>;
  defaultTemplateId(accountId: string): Promise<string | undefined>;
  setDefaultTemplate(accountId: string, templateId: string): Promise<void>;

  // Jobs
  insertJob(job: Job): Promise<void>;
  findJob(id: string): Promise<Job | undefined>;
  findJobs(accountId: string, ids: readonly string[]): Promise<Job[]>;
  /** Each of these videos' newest job (videos without one are left out). */
  latestJobs(accountId: string, videoIds: readonly string[]): Promise<Job[]>;
  /** A video's jobs, newest first. */
  videoJobs(accountId: string, videoId: string, limit: number): Promise<Job[]>;
  /** Jobs that are not finished: re-enqueued at start so that nothing submitted is ever lost. */
  unfinishedJobIds(): Promise<string[]>;
  setJobStatus(id: string, status: JobStatus, outcome: { code: string; message: string }, now: Date): Promise<void>;
  /**
   * In one transaction: the job's covers under the video's next version, the job marked success with its
   * result, and, when asked, the video's cover. Returns the version, or undefined when the job had already
   * been published (a repeated run publishes nothing twice).
   */
  publishCovers(input: PublishInput, now: Date): Promise<number | undefined>;
  /**
   * Records that an event was delivered: a cover or snapshot job's, for the status in `mark` (Job.eventSent),
   * or a video's UploadByURLComplete, for the UploadMediaByURL job in `mark` (Video.urlEventSent).
   */
  markEventSent(kind: EventSubject, id: string, mark: string): Promise<void>;

  // Console sessions
  insertSession(session: ConsoleSession): Promise<void>;
  findSession(tokenHash: string): Promise<ConsoleSession | undefined>;
  /** Moves a session's idle expiry on (never past its absolute one: the caller computes `expiresAt`). */
  touchSession(tokenHash: string, seenAt: Date, expiresAt: Date): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of an access key (it was disabled). */
  deleteSessionsOfKey(accessKeyId: string): Promise<number>;
  deleteExpiredSessions(now: Date): Promise<number>;

  // Covers
  /** The video's covers, best first; undefined when the account has no such video. */
  videoCovers(accountId: string, videoId: string): Promise<Cover[] | undefined>;
  // Snapshot jobs and snapshot templates
  insertSnapshotJob(job: SnapshotJob): Promise<void>;
  findSnapshotJob(id: string): Promise<SnapshotJob | undefined>;
  setSnapshotJobStatus(id: string, status: JobStatus, outcome: { code: string; message: string; result?: SnapshotResult }, now: Date): Promise<void>;
  /** The video's newest successful snapshot job of one of these kinds. */
  latestSnapshotJob(accountId: string, videoId: string, kinds: readonly SnapshotKind[]): Promise<SnapshotJob | undefined>;
  unfinishedSnapshotJobIds(): Promise<string[]>;
  insertVodTemplate(template: VodTemplate): Promise<void>;
  findVodTemplate(accountId: string, id: string): Promise<VodTemplate | undefined>;
  listVodTemplates(accountId: string, type: VodTemplate['type']): Promise<VodTemplate[]>;
  updateVodTemplate(accountId: string, id: string, patch: { name?: string; config?: string; spec?: SnapshotSpec }, now: Date): Promise<VodTemplate | undefined>;
  deleteVodTemplate(accountId: string, id: string): Promise<boolean>;

  /** The cover stored at this unsigned path (/<VideoId>/image/ai/…), whichever account owns it: its signed URL is the permission. */
  coverAt(path: string): Promise<Cover | undefined>;
  /** Deletes the account's covers among `ids` (and clears a CoverURL naming one); returns what was deleted. */
  deleteCovers(accountId: string, ids: readonly string[]): Promise<Cover[]>;

  close(): Promise<void>;
}

/** What an event is about, where its delivery is marked (see Store.markEventSent). */
export type EventSubject = 'cover' | 'snapshot' | 'upload';

export type VideoPatch = Partial<Pick<Video, 'title' | 'description' | 'coverUrl' | 'status' | 'duration' | 'size' | 'sourceKey' | 'errorCode' | 'errorMessage' | 'width' | 'height' | 'fps' | 'bitrate'>>;

export interface VideoQuery {
  readonly statuses: readonly VideoStatus[];
  /** CreationTime from (inclusive) and to (exclusive). */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Only videos whose title contains this text (case-insensitive for ASCII letters). */
  readonly titleContains?: string | undefined;
  readonly newestFirst: boolean;
  readonly offset: number;
  readonly limit: number;
}

export interface PublishInput {
  readonly jobId: string;
  readonly covers: readonly Omit<Cover, 'version'>[];
  readonly result: Job['result'];
  /** Set the video's CoverURL to this path. */
  readonly coverPath?: string | undefined;
}

/** Files: sources and covers, by key (a relative path such as "<VideoId>/image/ai/<JobId>-00001.png"). */
export interface BlobStore {
  /** Stores a local file under `key` (replacing what was there). */
  put(key: string, localFile: string, contentType: string): Promise<void>;
  /** Runs `use` with a local path holding the blob (the file itself, or a temporary download). */
  withLocalFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T>;
  /**
   * Streams `body` into `key` (whole or not at all), counting and hashing as it goes. More than `maxBytes`
   * stops the write and rejects with invalid_argument (details.reason 'too_large'); so does a body whose MD5
   * is not `md5` (base64, the client's Content-MD5; reason 'bad_digest'). Nothing is left behind.
   */
  write(key: string, body: Readable, options: { maxBytes: number; contentType: string; md5?: string | undefined }): Promise<{ bytes: number; md5: string }>;
  /** Writes `key` as `parts` (keys) one after another, streamed; the parts stay (the caller deletes them). */
  concat(key: string, parts: readonly string[], contentType: string): Promise<{ bytes: number }>;
  /**
   * A readable stream and the blob's whole size; not_found when absent. With `range`, only bytes `start`
   * to `end` (inclusive) are streamed: a video player asks for pieces.
   */
  open(key: string, range?: ByteRange): Promise<{ stream: Readable; size: number }>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Bytes `start` to `end`, both inclusive (as HTTP's Range counts them). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Background work, as one discriminated union: the worker's handler table is checked by the compiler. */
export type Task =
  | { readonly kind: 'cover.generate'; readonly jobId: string }
  | { readonly kind: 'callback.deliver'; readonly jobId: string; readonly url: string }
  | { readonly kind: 'video.fetch'; readonly videoId: string; readonly url: string }
  /** An upload's event: UploadByURLComplete (no `event`: also tasks queued before there were two), or FileUploadComplete. */
  | { readonly kind: 'upload.callback'; readonly videoId: string; readonly url: string; readonly event?: 'FileUploadComplete' }
  /** An uploaded object is complete: probe it, then Normal or UploadFail, the event, and covers when asked. */
  | { readonly kind: 'upload.complete'; readonly videoId: string }
  | { readonly kind: 'files.delete'; readonly keys: readonly string[] }
  | { readonly kind: 'snapshot.generate'; readonly jobId: string }
  /** SnapshotComplete, to the job's callback URL. */
  | { readonly kind: 'snapshot.callback'; readonly jobId: string; readonly url: string };

export interface TaskQueue {
  /**
   * Queues a task. A task with the same dedupe key that is still queued or running is not queued twice,
   * so re-enqueueing after a crash is always safe.
   */
  enqueue(task: Task, options?: { delayMs?: number; dedupeKey?: string }): Promise<void>;
}

/** How a handler's run ended; thrown errors count as `retry`. */
export type TaskOutcome = { readonly status: 'done' } | { readonly status: 'failed'; readonly reason: string };

export interface Clock {
  now(): Date;
}
