import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Readiness } from './ops/health-routes.js';
import type { FastifyInstance } from 'fastify';
import type { ConsoleApi } from './api/console/console-api.js';
import type { ConsoleAssets } from './api/console/console-assets.js';
import type { Logger as Pino } from 'pino';
import { CallbackSender } from './api/callbacks/callback-sender.js';
import { callbackTarget } from './api/callbacks/callback-target.js';
import { CoverFiles } from './api/files.js';
import { buildActions } from './api/rpc/actions/index.js';
import { ObjectEndpoint } from './api/objects/object-endpoint.js';
import { Gateway } from './api/rpc/gateway.js';
import { UrlAuth } from './api/url-auth.js';
import type { EngineConfig } from './config.js';
import type { ServiceDeps } from './covers/deps.js';
import { AccessKeyService } from './covers/access-keys.js';
import { ConsoleSessions } from './covers/console-sessions.js';
import type { AccessKey } from './covers/model.js';
import { pictureAt } from './covers/pictures.js';
import { SignInThrottle } from './covers/sign-in-throttle.js';
import { CoverService, JobService } from './covers/jobs.js';
import { SnapshotService } from './covers/snapshots.js';
import type { BlobStore, Clock, Task, TaskQueue } from './covers/ports.js';
import { TemplateService } from './covers/templates.js';
import { UploadCredentials } from './covers/upload-credentials.js';
import { UploadService } from './covers/uploads.js';
import { VideoService, type ProbedVideo } from './covers/videos.js';
import { analyzeVideo } from './engine/analyze.js';
import { FfmpegRunner } from './engine/ffmpeg.js';
import type { MediaLimits } from './engine/media-limits.js';
import { probeVideo } from './engine/probe.js';
import { stageTimer } from './engine/stages.js';
import { stillAt } from './engine/still-at.js';
import { takeSnapshots } from './engine/snapshots.js';
import { ModelHost } from './engine/subjects/model-host.js';
import type { SubjectModels } from './engine/subjects/port.js';
import { downloadToFile, type OutboundPolicy } from './outbound/guarded-http.js';
import type { QueueStats, TaskSource } from './queue/task-source.js';
import { Worker, type RetryPolicy } from './queue/worker.js';
import type { Metrics } from './ops/metrics.js';
import type { OpsListener } from './ops/ops-listener.js';
import { RenditionCache } from './images/rendition-cache.js';
import { Renditions } from './images/renditions.js';
import sharp from 'sharp';
import type { ServiceConfig } from './service-config.js';
import { FsBlobStore } from './storage/fs-blob-store.js';
import type { KyselyStore } from './storage/kysely-store.js';
import type { NonceLedger } from './storage/nonce-ledger.js';
import type { Sqlite } from './storage/open-sqlite.js';

/**
 * The one composition root: every part is built here from the validated config, by hand, and handed to
 * whoever needs it. Nothing else constructs adapters.
 */
export interface Engine {
  readonly ffmpeg: FfmpegRunner;
  /** What a video may be (size, duration, frame size) and how large its covers get. */
  readonly limits: MediaLimits;
  /** The face and text models, when on: loaded on first use, once per process (see ModelHost). */
  readonly subjects: SubjectModels | undefined;
  /** Stops what the engine keeps running (the model processes). */
  close(): Promise<void>;
}

/**
 * `modelLingerMs`: how long the model processes stay up after their last use. The CLI analyses one video
 * and gives their memory back at once (0); a worker keeps them for its life.
 */
export function buildEngine(config: EngineConfig, modelLingerMs = 0): Engine {
  const subjects = config.subjects === undefined ? undefined : new ModelHost(config.subjects, { lingerMs: modelLingerMs });
  return { ffmpeg: new FfmpegRunner(config.binaries, undefined, config.process), limits: config.limits, subjects, close: async () => subjects?.close() };
}
/** A worker loads each model once and keeps it for its life (~300 MB for the two model processes). */
const WORKER_MODEL_LINGER_MS = Infinity;

export const systemClock: Clock = { now: () => new Date() };
export const newId = (): string => randomBytes(16).toString('hex');
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Uniform over letters and digits (rejection sampling: no modulo bias). */
export const newToken = (length: number): string => {
  let out = '';
  while (out.length < length) for (const b of randomBytes(length * 2)) if (b < 248 && out.length < length) out += ALPHANUMERIC[b % 62];
  return out;
};

/** The queue as the service uses it: the embedded SQLite table, or pg-boss on PostgreSQL. */
export interface ServiceQueue extends TaskQueue, TaskSource {
  /** Hands back tasks a crashed process left marked running (embedded only; pg-boss does it by lease). */
  recoverAfterCrash(): Promise<number>;
  /** Tasks queued or running. */
  pending(): Promise<number>;
  /** What the queue holds now, by state (for metrics). */
  stats(): Promise<QueueStats>;
  close(): Promise<void>;
}

/** The service's parts: SQLite and DATA_DIR/media by default; PostgreSQL, pg-boss and S3 when configured. */
export interface Service {
  readonly config: ServiceConfig;
  readonly deps: ServiceDeps;
  readonly store: KyselyStore;
  readonly queue: ServiceQueue;
  /** Whether this is the embedded, single-process setup (SQLite): one worker, state in process memory. */
  readonly embedded: boolean;
  /** The embedded database, when it is the one in use. */
  readonly sqlite: Sqlite | undefined;
  readonly templates: TemplateService;
  readonly videos: VideoService;
  readonly jobs: JobService;
  readonly covers: CoverService;
  readonly keys: AccessKeyService;
  readonly uploads: UploadService;
  readonly snapshots: SnapshotService;
  readonly engine: Engine;
  readonly outbound: OutboundPolicy;
  /** This process's Prometheus metrics (served by the operations listener). */
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Attempts and backoff per kind of task (the same for both queues). */
export const TASK_POLICIES: { readonly [K in Task['kind']]: RetryPolicy } = {
  'cover.generate': { maxAttempts: 4, delaySeconds: 5, backoff: true },
  'video.fetch': { maxAttempts: 3, delaySeconds: 10, backoff: true },
  // VOD tries a callback three times, a second apart.
  'callback.deliver': { maxAttempts: 3, delaySeconds: 1, backoff: false },
  'upload.callback': { maxAttempts: 3, delaySeconds: 1, backoff: false },
  'upload.complete': { maxAttempts: 4, delaySeconds: 5, backoff: true },
  'files.delete': { maxAttempts: 5, delaySeconds: 30, backoff: true },
  'snapshot.generate': { maxAttempts: 4, delaySeconds: 5, backoff: true },
  'snapshot.callback': { maxAttempts: 3, delaySeconds: 1, backoff: false },
};

/*
 * The service stack (Fastify, pino, SQLite, pg, the AWS SDK) is imported when a service is built, not when
 * the module is loaded: `smartcover analyze` never needs it, and loading it costs ~25 MB of memory.
 * `supervise`: this process looks after abandoned tasks on the shared queue (workers do; APIs need not).
 */
export async function openService(config: ServiceConfig, engineConfig: EngineConfig, options: { supervise?: boolean; clock?: Clock; log?: Pino } = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const { store, queue, sqlite } = config.databaseUrl === ''
    ? await openEmbedded(config, clock)
    : await openShared(config, options.supervise ?? false, options.log);
  let deps: ServiceDeps;
  let templates: TemplateService;
  let uploadKey: string;
  try {
    const blobs = config.s3 === undefined ? new FsBlobStore(join(config.dataDir, 'media')) : await openS3(config.s3);
    deps = { store, blobs, queue, clock, newId, newToken };
    templates = new TemplateService(deps);
    await templates.ensureSystemTemplates();
    // Every API process must derive the same credential secrets: the key lives in the shared database.
    uploadKey = config.uploadKey || await store.settingOrInit('upload-key', randomBytes(32).toString('base64url'));
  } catch (error) {
    await queue.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  const engine = buildEngine(engineConfig, WORKER_MODEL_LINGER_MS);
  const { Metrics } = await import('./ops/metrics.js');
  const metrics = new Metrics(() => queue.stats());
  const outbound: OutboundPolicy = {
    allowPrivate: config.allowPrivateUrls, maxBytes: config.uploadMaxBytes, timeoutMs: config.uploadTimeoutSeconds * 1000, maxRedirects: 3,
  };
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smartcover-job-'));
    return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
  };
  const probe = async (file: string, signal?: AbortSignal): Promise<ProbedVideo> => {
    const info = await probeVideo(engine.ffmpeg, file, signal, engine.limits);
    const duration = Number.isFinite(info.duration) ? info.duration : 0;
    return {
      duration, width: info.display.width, height: info.display.height, fps: Number.isFinite(info.fps) ? info.fps : 0,
      bitrate: duration > 0 ? Math.round((info.bytes * 8) / duration) : 0,
    };
  };
  const callbacks = callbackTarget(config.callbackUrl || undefined);
  const jobs = new JobService(deps, {
    analyze: (file, options) => {
      const timeStages = stageTimer((stage, seconds) => metrics.stage(stage, seconds), () => performance.now());
      const onProgress = (fraction: number, label: string) => {
        timeStages(fraction, label);
        options.onProgress?.(fraction, label);
      };
      return analyzeVideo(engine.ffmpeg, file, { ...options, onProgress, subjects: engine.subjects, limits: engine.limits });
    },
    stillAt: (file, time, options) => stillAt(engine.ffmpeg, file, time, { ...options, subjects: engine.subjects, limits: engine.limits }),
  }, scratch, callbacks);
  const uploadSettings = { credentialSeconds: config.uploadCredentialSeconds, maxBytes: config.uploadMaxBytes, autoCovers: config.autoCovers, abandonSeconds: config.uploadAbandonSeconds };
  return {
    config, deps, store, queue, sqlite, embedded: sqlite !== undefined, templates, engine, outbound, jobs, metrics,
    videos: new VideoService(deps, probe, (url, destination, signal) => downloadToFile(url, destination, outbound, signal), scratch, callbacks),
    covers: new CoverService(deps),
    keys: new AccessKeyService(deps),
    uploads: new UploadService(deps, new UploadCredentials(uploadKey, newToken), uploadSettings, probe, jobs, templates, callbacks),
    snapshots: new SnapshotService(deps, (file, request, options) => takeSnapshots(engine.ffmpeg, file, request, { ...options, limits: engine.limits }), scratch, callbacks),
    close: async () => {
      await engine.close();
      await queue.close();
      await store.close();
    },
  };
}

/** SQLite in DATA_DIR with the queue in the same file. */
async function openEmbedded(config: ServiceConfig, clock: Clock): Promise<{ store: KyselyStore; queue: ServiceQueue; sqlite: Sqlite }> {
  const [{ openSqlite }, { KyselyStore }, { SqliteTaskQueue }] = await Promise.all([
    import('./storage/open-sqlite.js'), import('./storage/kysely-store.js'), import('./queue/sqlite-task-queue.js'),
  ]);
  const sqlite = await openSqlite(join(config.dataDir, 'smartcover.db'));
  // With its worker in this process, the server is the one writer of covers: cover lists can be served
  // from memory for a second and dropped by its own writes. An API next to a separate worker process
  // (serve --no-worker) reads them afresh, or it could list old covers after a job reports success.
  const store = new KyselyStore(sqlite.db, false, config.worker ? 1_000 : 0);
  return { store, queue: new SqliteTaskQueue(sqlite.db, clock), sqlite };
}

/** PostgreSQL for metadata and pg-boss for tasks: any number of API and worker processes share them. */
async function openShared(config: ServiceConfig, supervise: boolean, log: Pino | undefined): Promise<{ store: KyselyStore; queue: ServiceQueue; sqlite: undefined }> {
  const [{ openPostgres }, { KyselyStore }, { PgBossQueue }] = await Promise.all([
    import('./storage/open-postgres.js'), import('./storage/kysely-store.js'), import('./queue/pg-boss-queue.js'),
  ]);
  const db = await openPostgres(config.databaseUrl);
  // Other processes write covers too: nothing is cached, and publishing locks the video's row.
  const store = new KyselyStore(db, true, 0);
  try {
    const queue = await PgBossQueue.start({
      connectionString: config.databaseUrl, policies: TASK_POLICIES, leaseSeconds: config.taskLeaseSeconds,
      supervise, maintenanceSeconds: config.queueMaintenanceSeconds, onError: (error) => log?.warn({ err: error }, 'job queue maintenance failed; retrying'),
    });
    return { store, queue, sqlite: undefined };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/** Files in S3-compatible storage, checked before anything relies on them. */
async function openS3(location: NonNullable<ServiceConfig['s3']>): Promise<BlobStore> {
  const { S3BlobStore } = await import('./storage/s3-blob-store.js');
  const s3 = new S3BlobStore(location);
  await s3.check();
  return s3;
}

/**
 * The process's logger. Requests are logged by method and path only: query strings carry signatures and
 * auth keys. Secrets are redacted wherever they might appear in a logged object.
 */
export async function createLogger(level: string): Promise<Pino> {
  const { pino } = await import('pino');
  return pino({
    level,
    base: undefined,
    redact: ['secret', 'AccessKeySecret', '*.secret', '*.AccessKeySecret', 'req.headers.authorization'],
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0] }),
    },
  });
}

/** The HTTP API: gateway, actions and signed file serving. */
export async function buildApi(service: Service, log: Pino): Promise<FastifyInstance> {
  const { buildServer } = await import('./api/server.js');
  const nonces = await nonceLedger(service);
  const { config } = service;
  const urlAuth = await buildUrlAuth(service);
  const actions = buildActions({
    templates: service.templates, videos: service.videos, jobs: service.jobs, covers: service.covers, uploads: service.uploads, snapshots: service.snapshots,
    fileUrl: fileUrls(config.filesUrl, urlAuth),
    unsignedFileUrl: unsignedFileUrls(config.filesUrl),
    urlValiditySeconds: config.urlValiditySeconds,
    uploadEndpoint: uploadEndpoint(config),
    uploadBucket: UPLOAD_BUCKET,
    uploadMaxBytes: config.uploadMaxBytes,
  });
  const findAccessKey = cachedFor(1_000, (id) => service.store.findAccessKey(id));
  const hostId = config.publicUrl === '' ? 'smartcover' : new URL(config.publicUrl).host;
  const gateway = new Gateway({
    findAccessKey,
    rememberNonce: (keyId, nonce, expiresAt, now) => nonces.remember(keyId, nonce, expiresAt, now),
    actions,
    clock: service.deps.clock,
    rateLimit: await rateLimit(service),
    hostId,
    recommendBase: 'https://github.com/smartcover/smartcover/blob/main/README.md#errors',
    maxParameters: 200,
    publicUrl: config.publicUrl,
    log,
    observe: (action, code, seconds) => service.metrics.rpc(action, code, seconds),
  });
  // libvips' own cache of recent operations would hold up to 50 MB beyond what the renditions' bound allows.
  sharp.cache(false);
  const files = new CoverFiles({
    blobs: service.deps.blobs, auth: urlAuth, clock: service.deps.clock,
    sheetUrl: config.filesUrl === '' ? (path, now) => urlAuth.sign(path, now) : cdnUrls(config.filesUrl, urlAuth),
    sources: async (videoId) => {
      const video = await service.store.findVideoById(videoId);
      return video === undefined || video.sourceKey === '' || video.status !== 'Normal' ? undefined : { key: video.sourceKey, size: video.size };
    },
    pictures: (path) => pictureAt(service.store, path),
    renditions: new Renditions({
      blobs: service.deps.blobs, maxPixels: service.engine.limits.maxPixels, concurrency: config.renditionConcurrency, maxWaiting: 512,
      observe: (result, seconds) => service.metrics.rendition(result, seconds),
      cache: config.renditionCacheBytes === 0 ? undefined : await new RenditionCache(join(config.dataDir, 'renditions'), config.renditionCacheBytes).open(),
    }),
  });
  const objects = new ObjectEndpoint({
    uploads: service.uploads, findAccessKey, clock: service.deps.clock, bucket: UPLOAD_BUCKET, maxBytes: config.uploadMaxBytes, hostId, log,
    observe: () => service.metrics.objectRequest(),
  });
  const consoleParts = await buildConsole(service, { findAccessKey, fileUrl: fileUrls(config.filesUrl, urlAuth), log });
  const server = buildServer({
    gateway, files, objects, console: consoleParts, health: serviceReadiness(service), bodyIdleMs: config.uploadIdleSeconds * 1000, bodyLimit: config.bodyLimit, logger: log,
    observe: (surface, status, seconds) => service.metrics.http(surface, status, seconds),
  });
  const purge = setInterval(() => {
    void nonces.purge(service.deps.clock.now()).catch(() => {});
    void consoleParts.api.sweep().catch(() => {});
  }, 60_000);
  purge.unref();
  server.addHook('onClose', async () => clearInterval(purge));
  return server;
}

/**
 * What /readyz checks: the database answers, the queue answers, the blob store takes a write (a small
 * probe, written and deleted), and the engine's ffmpeg runs.
 */
export function serviceReadiness(service: Service): Readiness {
  return new Readiness([
    { name: 'database', run: () => service.store.ping() },
    { name: 'queue', run: async () => void await service.queue.pending() },
    {
      name: 'storage',
      run: async () => {
        const key = `readyz-${randomBytes(6).toString('hex')}`;
        await service.deps.blobs.write(key, Readable.from([Buffer.from('ready\n')]), { maxBytes: 64, contentType: 'text/plain' });
        await service.deps.blobs.delete([key]);
      },
    },
    // Both tools run (a binary deleted or replaced by something broken since start is not ready).
    { name: 'ffmpeg', run: async (signal) => void await Promise.all([service.engine.ffmpeg.ffmpeg(['-version'], { signal, timeoutMs: 2_000 }), service.engine.ffmpeg.ffprobe(['-version'], { signal, timeoutMs: 2_000 })]) },
  ]);
}

/** The web console's API and files, acting through the same use-cases as the RPC API. */
async function buildConsole(
  service: Service, parts: { findAccessKey: (id: string) => Promise<AccessKey | undefined>; fileUrl: (path: string, now: Date, baseUrl: string) => string; log: Pino },
): Promise<{ api: ConsoleApi; assets: ConsoleAssets }> {
  const [{ ConsoleApi }, { ConsoleAssets, CONSOLE_DIR }] = await Promise.all([import('./api/console/console-api.js'), import('./api/console/console-assets.js')]);
  const { config } = service;
  const sessions = new ConsoleSessions(service.deps, { absoluteSeconds: config.consoleSessionSeconds, idleSeconds: config.consoleIdleSeconds }, new SignInThrottle(), parts.findAccessKey);
  const api = new ConsoleApi({
    sessions, templates: service.templates, videos: service.videos, jobs: service.jobs, covers: service.covers, uploads: service.uploads,
    clock: service.deps.clock, fileUrl: parts.fileUrl, uploadEndpoint: uploadEndpoint(config), uploadBucket: UPLOAD_BUCKET,
    uploadMaxBytes: config.uploadMaxBytes, publicUrl: config.publicUrl, sessionSeconds: config.consoleSessionSeconds, log: parts.log,
  });
  const origin = (url: string) => (url === '' ? [] : [new URL(url).origin]);
  const assets = new ConsoleAssets(CONSOLE_DIR, { files: [...origin(config.filesUrl), ...origin(config.publicUrl)], uploads: [...origin(config.uploadEndpoint), ...origin(config.publicUrl)] });
  return { api, assets };
}

/** The bucket name in UploadAddress: the object endpoint serves this one bucket (paths may name it or not). */
const UPLOAD_BUCKET = 'smartcover-uploads';

/**
 * UploadAddress.Endpoint: the configured one, else the address the client reached. ali-oss puts the
 * bucket in front of a host name (<bucket>.<host>), which only wildcard DNS resolves, but keeps the path
 * for an IP literal: so localhost is handed out as 127.0.0.1.
 */
function uploadEndpoint(config: ServiceConfig): (baseUrl: string) => string {
  if (config.uploadEndpoint !== '') return () => config.uploadEndpoint;
  return (baseUrl) => {
    const url = new URL(baseUrl);
    if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
    return url.origin;
  };
}

/** Signs and checks file URLs: the API hands them out and serves them, the worker puts them in events. */
async function buildUrlAuth(service: Service): Promise<UrlAuth> {
  const { config } = service;
  return new UrlAuth({
    primaryKey: config.urlAuthKey || (service.embedded ? await urlAuthKey(config.dataDir) : await service.store.settingOrInit('url-auth-key', randomBytes(24).toString('base64url'))),
    secondaryKey: config.urlAuthKeySecondary || undefined,
    validitySeconds: config.urlValiditySeconds,
    // randomUUID draws from a pooled buffer: far cheaper than a randomBytes call per URL.
    rand: () => randomUUID().slice(0, 8),
  });
}

/**
 * Before a worker starts on the embedded database: what was running when its process died runs again now,
 * instead of after its lease (another live process's running tasks are left to it: recoverAfterCrash),
 * and every unfinished job is queued (deduplicated). On PostgreSQL, pg-boss hands a dead worker's tasks
 * on by lease, and nothing is done here.
 */
export async function resumeUnfinished(service: Service, log: Pino): Promise<void> {
  if (!service.embedded) return;
  const recovered = await service.queue.recoverAfterCrash();
  const requeued = (await service.jobs.requeueUnfinished()) + (await service.snapshots.requeueUnfinished());
  if (recovered + requeued > 0) log.info({ recovered, requeued }, 'resuming unfinished work');
}

/** Cleans up uploads never completed, every few minutes, in every process that runs a worker. */
export function startUploadSweeper(service: Service, log: Pino, everyMs = 5 * 60_000): () => void {
  const sweep = () => void service.uploads.sweep().then(
    (swept) => { if (swept.uploads + swept.videos > 0) log.info(swept, 'cleaned up abandoned uploads'); },
    (error: unknown) => log.warn({ err: error }, 'upload cleanup failed; retrying later'),
  );
  // The first sweep waits a while too: nothing is due at start, and start-up has enough to do.
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The worker: cover jobs, URL fetches, callbacks and file deletions, with their retry policies. */
export async function buildWorker(service: Service, log: Pino): Promise<Worker> {
  const { config } = service;
  const objectBase = config.uploadEndpoint || config.publicUrl;
  const sender = new CallbackSender(service.store, service.deps.clock, { ...service.outbound, timeoutMs: 5_000 }, config.callbackKey || undefined,
    (objectKey) => `${objectBase}/${UPLOAD_BUCKET}/${objectKey}`, (event, outcome) => service.metrics.callback(event, outcome),
    fileUrls(config.filesUrl, await buildUrlAuth(service)), unsignedFileUrls(config.filesUrl));
  return new Worker(
    service.queue,
    {
      'cover.generate': (task, signal) => service.jobs.run(task.jobId, signal),
      'video.fetch': (task, signal) => service.videos.fetchSource(task.videoId, task.url, signal),
      'callback.deliver': (task) => sender.deliver(task.jobId, task.url),
      'upload.callback': (task) => sender.deliverUpload(task.videoId, task.url, task.event),
      'upload.complete': (task, signal) => service.uploads.finish(task.videoId, signal),
      'files.delete': async (task) => {
        await service.deps.blobs.delete(task.keys);
        return { status: 'done' };
      },
      'snapshot.generate': (task, signal) => service.snapshots.run(task.jobId, signal),
      'snapshot.callback': (task) => sender.deliverSnapshot(task.jobId, task.url),
    },
    {
      concurrency: service.config.concurrency,
      // Each poll of the shared queue is a query per kind of task: idle workers on PostgreSQL poll less often.
      pollMs: service.embedded ? 200 : 1000,
      leaseMs: 60_000,
      policies: TASK_POLICIES,
      onGiveUp: async (task, reason) => {
        if (task.kind === 'cover.generate') await service.jobs.giveUp(task.jobId, reason);
        if (task.kind === 'video.fetch') await service.videos.giveUpFetch(task.videoId, reason);
        if (task.kind === 'snapshot.generate') await service.snapshots.giveUp(task.jobId, reason);
      },
      log,
      onTaskEnd: (kind, outcome, seconds) => service.metrics.task(kind, outcome, seconds),
    },
  );
}

/**
 * The operations listener (/healthz, /readyz, /metrics) when the config asks for one: the same readiness
 * checks as the API port's, and this process's metrics.
 */
export async function startOps(service: Service): Promise<OpsListener | undefined> {
  const { ops } = service.config;
  if (ops === undefined) return undefined;
  const { startOpsListener } = await import('./ops/ops-listener.js');
  return startOpsListener({ health: serviceReadiness(service), metrics: () => service.metrics.scrape() }, ops.port, ops.host);
}

/**
 * FileURLs: on this service, or on a CDN in front of the storage prefix (SMARTCOVER_FILES_URL). A
 * storyboard's WebVTT track stays on this service even then: it is rewritten for each request with its
 * sheets' signed URLs (CoverFiles), which a CDN serving the stored bytes cannot do, and a player would be
 * refused every sheet the stored track names without a signature.
 */
function fileUrls(filesUrl: string, urlAuth: UrlAuth): (path: string, now: Date, baseUrl: string) => string {
  const here = (path: string, now: Date, baseUrl: string) => baseUrl + urlAuth.sign(path, now);
  if (filesUrl === '') return here;
  const cdn = cdnUrls(filesUrl, urlAuth);
  return (path, now, baseUrl) => (path.endsWith('.vtt') ? here(path, now, baseUrl) : cdn(path, now));
}

/** Type A signs the path the CDN sees, so a base with a path (https://cdn/covers) signs /covers/<VideoId>/…. */
function cdnUrls(filesUrl: string, urlAuth: UrlAuth): (path: string, now: Date) => string {
  const { origin, pathname } = new URL(filesUrl);
  const prefix = pathname.replace(/\/+$/, '');
  return (path, now) => origin + urlAuth.sign(prefix + path, now);
}

function unsignedFileUrls(filesUrl: string): (path: string, baseUrl: string) => string {
  return (path, baseUrl) => (filesUrl === '' ? baseUrl : filesUrl.replace(/\/+$/, '')) + path;
}

/** Replay protection: an append-only log for the embedded database, the shared table on PostgreSQL. */
async function nonceLedger(service: Service): Promise<NonceLedger> {
  if (service.sqlite !== undefined) {
    const { SqliteNonceLog } = await import('./storage/sqlite-nonce-log.js');
    return SqliteNonceLog.open(service.sqlite, service.deps.clock.now());
  }
  const { NonceTable } = await import('./storage/nonce-table.js');
  return new NonceTable(service.store.db);
}

/** Per-key request budgets: in memory for the single embedded process, in PostgreSQL when processes share. */
async function rateLimit(service: Service): Promise<(keyId: string, nowMs: number) => number | Promise<number>> {
  const { rateLimit: perSecond, rateBurst } = service.config;
  if (service.embedded) {
    const { RateLimiter } = await import('./api/rpc/rate-limiter.js');
    const limiter = new RateLimiter(perSecond, rateBurst);
    return (keyId, nowMs) => limiter.take(keyId, nowMs);
  }
  const { SharedRateLimiter } = await import('./storage/shared-rate-limiter.js');
  const limiter = new SharedRateLimiter(service.store.db, perSecond, rateBurst);
  return (keyId, nowMs) => limiter.take(keyId, nowMs);
}

/**
 * Memoises a lookup for `ttlMs`: access keys are read on every request, and a key disabled from the
 * command line (another process) takes effect within that time. Entries are bounded.
 */
function cachedFor<T>(ttlMs: number, load: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const entries = new Map<string, { value: Promise<T>; until: number }>();
  return (id) => {
    const now = Date.now();
    const hit = entries.get(id);
    if (hit !== undefined && hit.until > now) return hit.value;
    if (entries.size >= 10_000) entries.clear();
    const value = load(id);
    entries.set(id, { value, until: now + ttlMs });
    value.catch(() => entries.delete(id));
    return value;
  };
}

/**
 * The embedded server's URL signing key: generated on first start and kept next to the database (mode
 * 0600). Processes sharing PostgreSQL keep theirs in the database instead, so every one signs alike.
 */
async function urlAuthKey(dataDir: string): Promise<string> {
  const file = join(dataDir, 'url-auth-key');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim() !== '') return existing.trim();
  const key = randomBytes(24).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  await chmod(file, 0o600).catch(() => {});
  return (await readFile(file, 'utf8')).trim();
}
