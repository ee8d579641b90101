import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';
import { CallbackSender } from './api/callbacks/callback-sender.js';
import { callbackTarget } from './api/callbacks/callback-target.js';
import { CoverFiles } from './api/files.js';
import { buildActions } from './api/rpc/actions/index.js';
import { Gateway } from './api/rpc/gateway.js';
import { RateLimiter } from './api/rpc/rate-limiter.js';
import { UrlAuth } from './api/url-auth.js';
import type { EngineConfig } from './config.js';
import type { ServiceDeps } from './covers/deps.js';
import { AccessKeyService } from './covers/access-keys.js';
import { CoverService, JobService } from './covers/jobs.js';
import type { Clock } from './covers/ports.js';
import { TemplateService } from './covers/templates.js';
import { VideoService } from './covers/videos.js';
import { analyzeVideo } from './engine/analyze.js';
import { FfmpegRunner } from './engine/ffmpeg.js';
import { probeVideo } from './engine/probe.js';
import { downloadToFile, type OutboundPolicy } from './outbound/guarded-http.js';
import type { SqliteTaskQueue } from './queue/sqlite-task-queue.js';
import { Worker } from './queue/worker.js';
import type { ServiceConfig } from './service-config.js';
import { FsBlobStore } from './storage/fs-blob-store.js';
import type { KyselyStore } from './storage/kysely-store.js';

/**
 * The one composition root: every part is built here from the validated config, by hand, and handed to
 * whoever needs it. Nothing else constructs adapters.
 */
export interface Engine {
  readonly ffmpeg: FfmpegRunner;
}

export function buildEngine(config: EngineConfig): Engine {
  return { ffmpeg: new FfmpegRunner(config.binaries) };
}

export const systemClock: Clock = { now: () => new Date() };
export const newId = (): string => randomBytes(16).toString('hex');
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Uniform over letters and digits (rejection sampling: no modulo bias). */
export const newToken = (length: number): string => {
  let out = '';
  while (out.length < length) for (const b of randomBytes(length * 2)) if (b < 248 && out.length < length) out += ALPHANUMERIC[b % 62];
  return out;
};

/** The service's parts on the embedded defaults: SQLite in DATA_DIR, files in DATA_DIR/media. */
export interface Service {
  readonly config: ServiceConfig;
  readonly deps: ServiceDeps;
  readonly store: KyselyStore;
  readonly queue: SqliteTaskQueue;
  readonly templates: TemplateService;
  readonly videos: VideoService;
  readonly jobs: JobService;
  readonly covers: CoverService;
  readonly keys: AccessKeyService;
  readonly engine: Engine;
  readonly outbound: OutboundPolicy;
  close(): Promise<void>;
}

/*
 * The service stack (Fastify, pino, SQLite) is imported when a service is built, not when the module is
 * loaded: `smartcover analyze` never needs it, and loading it costs ~25 MB of memory.
 */
export async function openService(config: ServiceConfig, engineConfig: EngineConfig, clock: Clock = systemClock): Promise<Service> {
  const [{ openSqlite }, { KyselyStore }, { SqliteTaskQueue }] = await Promise.all([
    import('./storage/open-sqlite.js'), import('./storage/kysely-store.js'), import('./queue/sqlite-task-queue.js'),
  ]);
  const db = await openSqlite(join(config.dataDir, 'smartcover.db'));
  // One process writes this database's covers: cover lists can be served from memory for a second.
  const store = new KyselyStore(db, false, 1_000);
  const queue = new SqliteTaskQueue(db, clock);
  const blobs = new FsBlobStore(join(config.dataDir, 'media'));
  const engine = buildEngine(engineConfig);
  const deps: ServiceDeps = { store, blobs, queue, clock, newId, newToken };
  const outbound: OutboundPolicy = {
    allowPrivate: config.allowPrivateUrls, maxBytes: config.uploadMaxBytes, timeoutMs: config.uploadTimeoutSeconds * 1000, maxRedirects: 3,
  };
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smartcover-job-'));
    return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
  };
  const probe = async (file: string) => ({ duration: (await probeVideo(engine.ffmpeg, file)).duration });
  const templates = new TemplateService(deps);
  await templates.ensureSystemTemplates();
  return {
    config, deps, store, queue, templates, engine, outbound,
    videos: new VideoService(deps, probe, (url, destination, signal) => downloadToFile(url, destination, outbound, signal), scratch),
    jobs: new JobService(deps, { analyze: (file, options) => analyzeVideo(engine.ffmpeg, file, options) }, scratch, callbackTarget(config.callbackUrl || undefined)),
    covers: new CoverService(deps),
    keys: new AccessKeyService(deps),
    close: () => store.close(),
  };
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
  const { NonceBatcher } = await import('./storage/nonce-batcher.js');
  const nonces = new NonceBatcher(service.store.db);
  const { config } = service;
  const urlAuth = new UrlAuth({
    primaryKey: config.urlAuthKey || (await urlAuthKey(config.dataDir)),
    secondaryKey: config.urlAuthKeySecondary || undefined,
    validitySeconds: config.urlValiditySeconds,
    // randomUUID draws from a pooled buffer: far cheaper than a randomBytes call per URL.
    rand: () => randomUUID().slice(0, 8),
  });
  const actions = buildActions({
    templates: service.templates, videos: service.videos, jobs: service.jobs, covers: service.covers,
    signUrl: (path, now) => urlAuth.sign(path, now),
  });
  const gateway = new Gateway({
    findAccessKey: cachedFor(1_000, (id) => service.store.findAccessKey(id)),
    rememberNonce: (keyId, nonce, expiresAt, now) => nonces.remember(keyId, nonce, expiresAt, now),
    actions,
    clock: service.deps.clock,
    rateLimiter: new RateLimiter(config.rateLimit, config.rateBurst),
    hostId: config.publicUrl === '' ? 'smartcover' : new URL(config.publicUrl).host,
    recommendBase: 'https://github.com/smartcover/smartcover/blob/main/README.md#errors',
    maxParameters: 200,
    publicUrl: config.publicUrl,
    log,
  });
  const files = new CoverFiles(service.deps.blobs, urlAuth, service.deps.clock);
  const server = buildServer({ gateway, files, bodyLimit: config.bodyLimit, logger: log });
  const purge = setInterval(() => void service.store.purgeNonces(service.deps.clock.now()).catch(() => {}), 60_000);
  purge.unref();
  server.addHook('onClose', async () => clearInterval(purge));
  return server;
}

/** The worker: cover jobs, URL fetches, callbacks and file deletions, with their retry policies. */
export function buildWorker(service: Service, log: Pino): Worker {
  const sender = new CallbackSender(service.store, service.deps.clock, { ...service.outbound, timeoutMs: 5_000 }, service.config.callbackKey || undefined);
  return new Worker(
    service.queue,
    {
      'cover.generate': (task, signal) => service.jobs.run(task.jobId, signal),
      'video.fetch': (task, signal) => service.videos.fetchSource(task.videoId, task.url, signal),
      'callback.deliver': (task) => sender.deliver(task.jobId, task.url),
      'files.delete': async (task) => {
        await service.deps.blobs.delete(task.keys);
        return { status: 'done' };
      },
    },
    {
      concurrency: service.config.concurrency,
      pollMs: 200,
      leaseMs: 60_000,
      policies: {
        'cover.generate': { maxAttempts: 4, delayMs: (n) => 5_000 * 2 ** (n - 1) },
        'video.fetch': { maxAttempts: 3, delayMs: (n) => 10_000 * n },
        // VOD tries a callback three times, a second apart.
        'callback.deliver': { maxAttempts: 3, delayMs: () => 1_000 },
        'files.delete': { maxAttempts: 5, delayMs: (n) => 30_000 * n },
      },
      onGiveUp: async (task, reason) => {
        if (task.kind === 'cover.generate') await service.jobs.giveUp(task.jobId, reason);
        if (task.kind === 'video.fetch') await service.videos.update((await service.store.findVideoById(task.videoId))?.accountId ?? '', task.videoId, { status: 'UploadFail', errorCode: 'FetchFailed', errorMessage: reason }).catch(() => {});
      },
      log,
    },
  );
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

/** The URL signing key: generated on first start and kept next to the database (mode 0600). */
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
