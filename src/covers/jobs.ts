import { AppError, isAppError } from '../errors.js';
import type { CoverEntry } from '../engine/manifest.js';
import type { CallbackTarget, CoverEngine, ServiceDeps } from './deps.js';
import type { Cover, Job, Video } from './model.js';
import type { TaskOutcome } from './ports.js';
import { videoNotFound } from './videos.js';

export class JobService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly engine: CoverEngine,
    private readonly scratch: () => Promise<{ dir: string; dispose: () => Promise<void> }>,
    private readonly callbackTarget: CallbackTarget,
  ) {}

  /** SubmitAIImageJob: records the job with a snapshot of its template and queues it. */
  async submit(accountId: string, videoId: string, templateId: string, userData: string): Promise<string> {
    await this.readyVideo(accountId, videoId);
    const template = await this.deps.store.findTemplate(accountId, templateId);
    if (template === undefined) throw new AppError('not_found', 'The template does not exist.', { details: { resource: 'template' } });
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    await this.deps.store.insertJob({
      id, accountId, videoId, templateId, templateConfig: template.config, userData, status: 'init', code: '', message: '', result: [],
      createdAt: now, modifiedAt: now,
    });
    await this.enqueue(id);
    return id;
  }

  /**
   * A still of the frame shown at `time`, chosen by hand (the console's frame picker): a job of its own,
   * through the same queue, whose one cover is published beside the video's others (and becomes its
   * cover when `setCover`).
   */
  async submitFrame(accountId: string, videoId: string, time: number, setCover: boolean): Promise<string> {
    const video = await this.readyVideo(accountId, videoId);
    if (!Number.isFinite(time) || time < 0 || (video.duration > 0 && time > video.duration)) {
      throw new AppError('invalid_argument', `The time must be between 0 and the video's duration (${video.duration} s).`, { details: { field: 'Time' } });
    }
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    await this.deps.store.insertJob({
      id, accountId, videoId, templateId: '', templateConfig: { format: 'png', setDefaultCover: setCover, count: 1 }, userData: '', status: 'init',
      code: '', message: '', result: [], frameTime: time, createdAt: now, modifiedAt: now,
    });
    await this.enqueue(id);
    return id;
  }

  private async readyVideo(accountId: string, videoId: string): Promise<Video> {
    const video = await this.deps.store.findVideo(accountId, videoId);
    if (video === undefined) throw videoNotFound();
    if (video.status !== 'Normal') {
      throw new AppError('conflict', `The video is not ready for processing (status ${video.status}).`, { details: { resource: 'video' } });
    }
    return video;
  }

  async get(accountId: string, ids: readonly string[]): Promise<Job[]> {
    return this.deps.store.findJobs(accountId, ids);
  }

  /** Each video's newest job, by VideoId (the console's list shows its state). */
  async latest(accountId: string, videoIds: readonly string[]): Promise<Map<string, Job>> {
    return new Map((await this.deps.store.latestJobs(accountId, videoIds)).map((j) => [j.videoId, j]));
  }

  /** A video's jobs, newest first. */
  async ofVideo(accountId: string, videoId: string, limit = 20): Promise<Job[]> {
    return this.deps.store.videoJobs(accountId, videoId, limit);
  }

  /** Queues a job (again): the dedupe key makes this safe after a crash or a restart. */
  async enqueue(jobId: string): Promise<void> {
    await this.deps.queue.enqueue({ kind: 'cover.generate', jobId }, { dedupeKey: `cover.generate:${jobId}` });
  }

  /** At start: every job not finished is queued again, so that nothing submitted is ever lost. */
  async requeueUnfinished(): Promise<number> {
    const ids = await this.deps.store.unfinishedJobIds();
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  /**
   * The worker's handler for `cover.generate`. The engine writes into a scratch directory; the files go to
   * the blob store under names fixed by the job id (a rerun overwrites, never duplicates); then one
   * transaction publishes them as the video's next version. A video that cannot be analysed ends the job
   * `fail` at once; anything unexpected is thrown, and the worker retries it with backoff.
   */
  async run(jobId: string, signal?: AbortSignal): Promise<TaskOutcome> {
    const job = await this.deps.store.findJob(jobId);
    if (job === undefined || job.status === 'success' || job.status === 'fail') return { status: 'done' };
    const video = await this.deps.store.findVideoById(job.videoId);
    if (video === undefined || video.accountId !== job.accountId) return this.finishFailed(job, 'InvalidVideo.NotFound', 'The video was deleted before the job ran.');
    await this.deps.store.setJobStatus(job.id, 'processing', { code: '', message: '' }, this.deps.clock.now());

    const scratch = await this.scratch();
    const written: string[] = [];
    try {
      const config = job.templateConfig;
      let manifest;
      try {
        manifest = await this.deps.blobs.withLocalFile(video.sourceKey, (file) =>
          job.frameTime !== undefined
            ? this.engine.stillAt(file, job.frameTime, { outDir: scratch.dir, signal })
            : this.engine.analyze(file, {
              stills: config.format === 'png' ? config.count : 0,
              gifs: config.format === 'gif' ? config.count : 0,
              outDir: scratch.dir,
              signal,
            }),
        );
      } catch (error) {
        if (isAppError(error, 'invalid_media') || isAppError(error, 'not_found')) return this.finishFailed(job, 'InvalidVideo.Unreadable', error.message);
        // A time past the end of what could be decoded (the stored duration was the container's guess).
        if (isAppError(error, 'invalid_argument') && error.details['reason'] === 'time') return this.finishFailed(job, 'InvalidParameter.Time', error.message);
        throw error;
      }
      const now = this.deps.clock.now();
      const covers: Omit<Cover, 'version'>[] = manifest.covers.map((entry, i) => coverRecord(this.deps.newId(), job, entry, i, now));
      for (const [i, cover] of covers.entries()) {
        const entry = manifest.covers[i]!;
        await this.deps.blobs.put(cover.path.slice(1), `${scratch.dir}/${entry.file}`, cover.format === 'png' ? 'image/png' : 'image/gif');
        written.push(cover.path.slice(1));
      }
      const best = [...covers].sort((a, b) => b.score - a.score)[0];
      const version = await this.deps.store.publishCovers(
        {
          jobId: job.id,
          covers,
          result: covers.map((c, i) => ({ score: c.score, path: c.path, subscores: manifest.covers[i]!.subscores })),
          coverPath: config.setDefaultCover ? best?.path : undefined,
        },
        this.deps.clock.now(),
      );
      if (version === undefined) {
        // Published by an earlier run, or the video is gone: these files are nobody's.
        await this.discard(written, job);
      }
      written.length = 0;
      await this.notify(job.id);
      return { status: 'done' };
    } catch (error) {
      await this.discard(written, job);
      throw error;
    } finally {
      await scratch.dispose();
    }
  }

  /** Called by the worker when a job has used up its retries. */
  async giveUp(jobId: string, reason: string): Promise<void> {
    const job = await this.deps.store.findJob(jobId);
    // Idempotent: a task given up twice (by its worker, and by the queue's dead-letter sweep) ends once.
    if (job !== undefined && job.status !== 'success' && job.status !== 'fail') await this.finishFailed(job, 'InternalError', `The job failed after several attempts: ${reason}`);
  }

  private async finishFailed(job: Job, code: string, message: string): Promise<TaskOutcome> {
    await this.deps.store.setJobStatus(job.id, 'fail', { code, message }, this.deps.clock.now());
    await this.notify(job.id);
    return { status: 'failed', reason: message };
  }

  private async notify(jobId: string): Promise<void> {
    const job = await this.deps.store.findJob(jobId);
    const url = job === undefined ? undefined : this.callbackTarget(job.userData);
    if (url !== undefined) await this.deps.queue.enqueue({ kind: 'callback.deliver', jobId, url }, { dedupeKey: `callback:${jobId}:${job!.status}` });
  }

  private async discard(keys: readonly string[], job: Job): Promise<void> {
    if (keys.length === 0) return;
    await this.deps.blobs.delete(keys).catch(() =>
      // The sweep gets them later; the job's own outcome matters more than this cleanup.
      this.deps.queue.enqueue({ kind: 'files.delete', keys: [...keys] }, { dedupeKey: `files.delete:${job.id}` }),
    );
  }
}

/** Unsigned path of a job's n-th cover: /<VideoId>/image/ai/<JobId>-00001.png (VOD's naming). */
export function coverPath(videoId: string, jobId: string, index: number, format: 'png' | 'gif'): string {
  return `/${videoId}/image/ai/${jobId}-${String(index).padStart(5, '0')}.${format}`;
}

function coverRecord(id: string, job: Job, entry: CoverEntry, index: number, now: Date): Omit<Cover, 'version'> {
  return {
    id, accountId: job.accountId, videoId: job.videoId, jobId: job.id, format: entry.format, score: entry.score, time: entry.time,
    path: coverPath(job.videoId, job.id, index + 1, entry.format), width: entry.width, height: entry.height, bytes: entry.bytes,
    blurhash: entry.blurhash, faces: entry.format === 'png' ? (entry.subjects?.faces ?? []).map(({ x, y, width, height }) => ({ x, y, width, height })) : [],
    createdAt: now,
  };
}

export class CoverService {
  constructor(private readonly deps: ServiceDeps) {}

  /** ListAIImageInfo: the video must exist for this account; best score first. */
  async list(accountId: string, videoId: string): Promise<Cover[]> {
    const covers = await this.deps.store.videoCovers(accountId, videoId);
    if (covers === undefined) throw videoNotFound();
    return covers;
  }

  /** DeleteAIImageInfos: the records go at once, their files in the background. */
  async delete(accountId: string, ids: readonly string[]): Promise<void> {
    const deleted = await this.deps.store.deleteCovers(accountId, ids);
    if (deleted.length > 0) await this.deps.queue.enqueue({ kind: 'files.delete', keys: deleted.map((c) => c.path.slice(1)) });
  }
}
