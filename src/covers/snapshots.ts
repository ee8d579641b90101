import { AppError, isAppError } from '../errors.js';
import type { SnapshotOutput, SnapshotRequest } from '../engine/snapshots.js';
import type { CallbackTarget, ServiceDeps } from './deps.js';
import { snapshotFileName, snapshotPath, type SnapshotJob, type SnapshotKind, type SnapshotListing, type SnapshotSpec, type VodTemplate } from './model.js';
import type { TaskOutcome } from './ports.js';
import { videoNotFound } from './videos.js';

/** The engine's snapshot pass as the service uses it: a video file in, files in a directory out. */
export type SnapshotEngine = (file: string, request: SnapshotRequest, options: { outDir: string; signal?: AbortSignal | undefined }) => Promise<SnapshotOutput>;

/** What ListSnapshots shows: the files (unsigned paths, in order), the pattern their names follow, and the job. */
export interface SnapshotList {
  readonly jobId: string;
  readonly createdAt: Date;
  readonly paths: readonly string[];
  /** An unsigned path with {SnapshotCount} for the 5-digit index ('' when the files follow none). */
  readonly regular: string;
}

/** Videos whose source can be read: a snapshot job needs nothing else (covers need Normal). */
const SNAPSHOT_READY = new Set(['UploadSucc', 'Normal']);

/**
 * VOD's snapshot jobs: stills at given times, or sprite sheets with a WebVTT track, through the same
 * durable queue and workers as cover jobs; and snapshot templates (AddVodTemplate with TemplateType
 * Snapshot). ListSnapshots lists the newest successful job of a kind, or the video's smart covers.
 */
export class SnapshotService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly engine: SnapshotEngine,
    private readonly scratch: () => Promise<{ dir: string; dispose: () => Promise<void> }>,
    private readonly callbackTarget: CallbackTarget,
  ) {}

  /** SubmitSnapshotJob: with a template, the template's spec (everything else asked is ignored, as VOD does). */
  async submit(accountId: string, input: { videoId: string; templateId?: string | undefined; spec: SnapshotSpec; userData: string; baseUrl: string }): Promise<string> {
    const video = await this.deps.store.findVideo(accountId, input.videoId);
    if (video === undefined) throw videoNotFound();
    if (!SNAPSHOT_READY.has(video.status)) {
      throw new AppError('conflict', `The video cannot be snapshotted in status ${video.status}.`, { details: { resource: 'video_status' } });
    }
    let spec = input.spec;
    if (input.templateId !== undefined) spec = (await this.template(accountId, input.templateId)).spec;
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    await this.deps.store.insertSnapshotJob({
      id, accountId, videoId: video.id, templateId: input.templateId ?? '', spec, userData: input.userData, baseUrl: input.baseUrl,
      status: 'init', code: '', message: '', createdAt: now, modifiedAt: now,
    });
    await this.enqueue(id);
    return id;
  }

  async enqueue(jobId: string): Promise<void> {
    await this.deps.queue.enqueue({ kind: 'snapshot.generate', jobId }, { dedupeKey: `snapshot.generate:${jobId}` });
  }

  /** At start: every snapshot job not finished is queued again. */
  async requeueUnfinished(): Promise<number> {
    const ids = await this.deps.store.unfinishedSnapshotJobIds();
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  /**
   * The worker's handler for `snapshot.generate`: one pass over the video into a scratch directory, the
   * files to the blob store under names fixed by the job id (a rerun overwrites), then success and the event.
   */
  async run(jobId: string, signal?: AbortSignal): Promise<TaskOutcome> {
    const job = await this.deps.store.findSnapshotJob(jobId);
    if (job === undefined || job.status === 'success' || job.status === 'fail') return { status: 'done' };
    const video = await this.deps.store.findVideoById(job.videoId);
    if (video === undefined || video.sourceKey === '') return this.finishFailed(job, 'InvalidVideo.NotFound', 'The video was deleted before the job ran.');
    await this.deps.store.setSnapshotJobStatus(job.id, 'processing', { code: '', message: '' }, this.deps.clock.now());
    const scratch = await this.scratch();
    try {
      let output: SnapshotOutput;
      try {
        output = await this.deps.blobs.withLocalFile(video.sourceKey, (file) => this.engine(file, requestOf(job.spec), { outDir: scratch.dir, signal }));
      } catch (error) {
        if (isAppError(error, 'invalid_media') || isAppError(error, 'not_found')) return this.finishFailed(job, 'InvalidVideo.Unreadable', error.message);
        if (isAppError(error, 'invalid_argument')) return this.finishFailed(job, 'InvalidParameter', error.message);
        throw error;
      }
      for (const name of [...output.shots, ...output.sprites, ...(output.vtt === undefined ? [] : [output.vtt])]) {
        await this.deps.blobs.put(snapshotPath(job.videoId, job.id, name).slice(1), `${scratch.dir}/${name}`, name.endsWith('.vtt') ? 'text/vtt' : 'image/jpeg');
      }
      const result = { shots: output.shots.length, sprites: output.sprites.length, vtt: output.vtt !== undefined, width: output.size.width, height: output.size.height };
      await this.deps.store.setSnapshotJobStatus(job.id, 'success', { code: '', message: '', result }, this.deps.clock.now());
      await this.notify(job.id);
      return { status: 'done' };
    } finally {
      await scratch.dispose();
    }
  }

  /** Called by the worker when a job has used up its retries. */
  async giveUp(jobId: string, reason: string): Promise<void> {
    const job = await this.deps.store.findSnapshotJob(jobId);
    if (job !== undefined && job.status !== 'success' && job.status !== 'fail') await this.finishFailed(job, 'InternalError', `The job failed after several attempts: ${reason}`);
  }

  /**
   * ListSnapshots: the newest successful job's files of that kind; CoverSnapshot lists the video's smart
   * covers, best first (VOD lists the keyframes it grabbed on upload; the engine's stills are better ones).
   */
  async list(accountId: string, videoId: string, listing: SnapshotListing): Promise<SnapshotList | undefined> {
    const video = await this.deps.store.findVideo(accountId, videoId);
    if (video === undefined) throw videoNotFound();
    if (listing === 'CoverSnapshot') {
      const covers = ((await this.deps.store.videoCovers(accountId, videoId)) ?? []).filter((c) => c.format === 'png');
      if (covers.length === 0) return undefined;
      return { jobId: covers[0]!.jobId, createdAt: covers[0]!.createdAt, paths: covers.map((c) => c.path), regular: '' };
    }
    const kinds: SnapshotKind[] = listing === 'NormalSnapshot' ? ['NormalSnapshot'] : ['SpriteSnapshot', 'WebVttSnapshot'];
    const job = await this.deps.store.latestSnapshotJob(accountId, videoId, kinds);
    const files = job === undefined ? undefined : jobListings(job).find((l) => l.listing === listing);
    return job === undefined || files === undefined ? undefined : { jobId: job.id, createdAt: job.modifiedAt, paths: files.paths, regular: files.regular };
  }

  // Snapshot templates

  async addTemplate(accountId: string, name: string, config: string, spec: SnapshotSpec): Promise<string> {
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    await this.deps.store.insertVodTemplate({ id, accountId, name, type: 'Snapshot', config, spec, createdAt: now, modifiedAt: now });
    return id;
  }

  /** The snapshot type of a template cannot be changed (VOD's rule): a new one is a new template. */
  async updateTemplate(accountId: string, id: string, patch: { name?: string | undefined; config?: { text: string; spec: SnapshotSpec } | undefined }): Promise<void> {
    const current = await this.template(accountId, id);
    if (patch.config !== undefined && patch.config.spec.kind !== current.spec.kind) {
      throw new AppError('invalid_argument', `The SnapshotType of a template cannot be changed (it is ${current.spec.kind}).`, { details: { field: 'TemplateConfig' } });
    }
    await this.deps.store.updateVodTemplate(accountId, id, {
      ...(patch.name === undefined ? {} : { name: patch.name }), ...(patch.config === undefined ? {} : { config: patch.config.text, spec: patch.config.spec }),
    }, this.deps.clock.now());
  }

  async deleteTemplate(accountId: string, id: string): Promise<void> {
    if (!(await this.deps.store.deleteVodTemplate(accountId, id))) throw templateNotFound();
  }

  async template(accountId: string, id: string): Promise<VodTemplate> {
    const template = await this.deps.store.findVodTemplate(accountId, id);
    if (template === undefined) throw templateNotFound();
    return template;
  }

  async templates(accountId: string): Promise<VodTemplate[]> {
    return this.deps.store.listVodTemplates(accountId, 'Snapshot');
  }

  private async finishFailed(job: SnapshotJob, code: string, message: string): Promise<TaskOutcome> {
    await this.deps.store.setSnapshotJobStatus(job.id, 'fail', { code, message }, this.deps.clock.now());
    await this.notify(job.id);
    return { status: 'failed', reason: message };
  }

  private async notify(jobId: string): Promise<void> {
    const job = await this.deps.store.findSnapshotJob(jobId);
    const url = job === undefined ? undefined : this.callbackTarget(job.userData);
    if (url !== undefined) await this.deps.queue.enqueue({ kind: 'snapshot.callback', jobId, url }, { dedupeKey: `snapshot.callback:${jobId}:${job!.status}` });
  }
}

/**
 * What a finished job lists, by listing: a normal job its shots; a sprite job its sheets, its track, and
 * its cells when they were kept (KeepCellPic keep).
 */
export function jobListings(job: SnapshotJob): { listing: SnapshotListing; paths: string[]; regular: string; format: 'jpg' | 'vtt' }[] {
  const r = job.result;
  if (r === undefined) return [];
  const at = (name: string) => snapshotPath(job.videoId, job.id, name);
  const series = (listing: SnapshotListing, kind: 'normal' | 'cell' | 'sprite', n: number) => ({
    listing, paths: Array.from({ length: n }, (_, i) => at(snapshotFileName(kind, i + 1))), regular: at(snapshotFileName(kind, '{SnapshotCount}')), format: 'jpg' as const,
  });
  if (job.spec.sprite === undefined) return [series('NormalSnapshot', 'normal', r.shots)];
  return [
    series('SpriteSnapshot', 'sprite', r.sprites),
    ...(job.spec.sprite.keepCells ? [series('SpriteOriginSnapshot', 'cell', r.shots)] : []),
    ...(r.vtt ? [{ listing: 'WebVttSnapshot' as const, paths: [at('index.vtt')], regular: '', format: 'vtt' as const }] : []),
  ];
}

/** The engine's request for a spec. */
function requestOf(spec: SnapshotSpec): SnapshotRequest {
  return {
    schedule: { count: spec.count, interval: spec.interval, offsetMs: spec.offsetMs, offsetsMs: spec.offsetsMs },
    frameType: spec.frameType, width: spec.width, height: spec.height, sprite: spec.sprite,
  };
}

function templateNotFound(): AppError {
  return new AppError('not_found', 'The snapshot template does not exist.', { details: { resource: 'snapshot_template' } });
}
