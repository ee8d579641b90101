import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineStage } from '../engine/stages.js';
import type { QueueStats } from '../queue/task-source.js';
import type { TaskEnd } from '../queue/worker.js';
import type { RenditionResult } from '../images/renditions.js';


/** Which codes count as a refusal of the request's credentials or budget (the security-relevant ones). */
const REFUSALS: Readonly<Record<string, string>> = {
  SignatureNonceUsed: 'nonce_reused',
  'Throttling.User': 'rate_limited',
  SignatureDoesNotMatch: 'signature',
  IncompleteSignature: 'signature',
  InvalidSignatureMethod: 'signature',
  'InvalidTimeStamp.Expired': 'timestamp',
  'InvalidTimeStamp.Format': 'timestamp',
  'InvalidAccessKeyId.NotFound': 'access_key',
  'InvalidAccessKeyId.Inactive': 'access_key',
};

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Cover jobs take seconds to minutes; deletions and callbacks milliseconds. */
const TASK_BUCKETS = [0.01, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];
const STAGE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The process's Prometheus metrics, in a registry of its own (never prom-client's global one: two services
 * in one test process must not share counters). Labels are low-cardinality by construction: actions not
 * in the API's table are counted as "unknown", codes come from our fixed tables, and nothing carries a
 * video, job or key id. The parts that record take small functions of this class, not the class itself.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly rpcTotal: Counter<'action' | 'code'>;
  private readonly rpcSeconds: Histogram<'action'>;
  private readonly refusals: Counter<'reason'>;
  private readonly httpTotal: Counter<'surface' | 'status'>;
  private readonly httpSeconds: Histogram<'surface'>;
  private readonly tasks: Counter<'kind' | 'outcome'>;
  private readonly taskSeconds: Histogram<'kind' | 'outcome'>;
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly uploadBytes: Counter;
  private readonly uploadsActive: Gauge;
  private readonly uploadFailures: Counter<'code'>;
  private readonly callbacks: Counter<'event' | 'outcome'>;
  private readonly renditions: Counter<'result'>;
  private readonly renditionSeconds: Histogram;
  /** Bound children by label key: prom-client hashes label objects on every call, which the API's hot path need not pay. */
  private readonly rpcChildren = new Map<string, { total: { inc(): void }; seconds: { observe(v: number): void }; refusal?: { inc(): void } }>();

  constructor(queueStats?: () => Promise<QueueStats>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.rpcTotal = new Counter({ name: 'smartcover_api_requests_total', help: 'RPC API requests by Action and result code (OK on success)', labelNames: ['action', 'code'], registers });
    this.rpcSeconds = new Histogram({ name: 'smartcover_api_request_duration_seconds', help: 'RPC API time from parsed request to rendered answer, by Action', labelNames: ['action'], buckets: LATENCY_BUCKETS, registers });
    this.refusals = new Counter({ name: 'smartcover_api_refusals_total', help: 'RPC requests refused for their signature, timestamp, key, a reused nonce or the rate limit', labelNames: ['reason'], registers });
    this.httpTotal = new Counter({ name: 'smartcover_http_requests_total', help: 'Requests to the files, objects, console and health paths (not the RPC API: see smartcover_api_requests_total) by HTTP status', labelNames: ['surface', 'status'], registers });
    this.httpSeconds = new Histogram({ name: 'smartcover_http_request_duration_seconds', help: 'Time to answer requests to the files, objects, console and health paths', labelNames: ['surface'], buckets: LATENCY_BUCKETS, registers });
    this.tasks = new Counter({ name: 'smartcover_tasks_total', help: 'Queue tasks run by this process, by kind and how they ended', labelNames: ['kind', 'outcome'], registers });
    this.taskSeconds = new Histogram({ name: 'smartcover_task_duration_seconds', help: 'Time a task ran, by kind and how it ended', labelNames: ['kind', 'outcome'], buckets: TASK_BUCKETS, registers });
    this.stageSeconds = new Histogram({ name: 'smartcover_engine_stage_duration_seconds', help: 'Time a cover job spent in each engine stage', labelNames: ['stage'], buckets: STAGE_BUCKETS, registers });
    this.uploadBytes = new Counter({ name: 'smartcover_upload_bytes_total', help: 'Bytes stored by object uploads (PutObject and UploadPart answered 200)', registers });
    this.uploadsActive = new Gauge({ name: 'smartcover_uploads_active', help: 'Object endpoint requests in progress (an upload part is one while its body arrives)', registers });
    this.uploadFailures = new Counter({ name: 'smartcover_upload_failures_total', help: 'Object endpoint requests refused or failed, by OSS error code', labelNames: ['code'], registers });
    this.callbacks = new Counter({ name: 'smartcover_callbacks_total', help: 'Event callback attempts by event and result (delivered, failed: will retry or gave up, refused: target not allowed)', labelNames: ['event', 'outcome'], registers });
    this.renditions = new Counter({ name: 'smartcover_renditions_total', help: 'x-oss-process renditions asked for, by how each was answered: made, cached (from disk), joined (another request was making it), failed', labelNames: ['result'], registers });
    this.renditionSeconds = new Histogram({ name: 'smartcover_rendition_duration_seconds', help: 'Time to make a rendition (read, decode, process, encode), waiting for a turn included', buckets: LATENCY_BUCKETS, registers });
    if (queueStats !== undefined) {
      const read = sharedRead(queueStats);
      new Gauge({
        name: 'smartcover_queue_tasks', help: 'Tasks in the queue by state: waiting (runnable now), running, delayed (a retry or a later start)', labelNames: ['state'], registers,
        async collect() {
          const stats = await read();
          this.set({ state: 'waiting' }, stats.waiting);
          this.set({ state: 'running' }, stats.running);
          this.set({ state: 'delayed' }, stats.delayed);
        },
      });
      new Gauge({
        name: 'smartcover_queue_oldest_waiting_seconds', help: 'How long the oldest runnable task has been waiting to be claimed (0 when none waits)', registers,
        async collect() {
          this.set((await read()).oldestWaitingSeconds);
        },
      });
    }
  }

  /** One RPC request: its Action (when known), the code it got ("OK" on success) and its time (none for what the HTTP layer refused). */
  rpc(action: string, code: string, seconds?: number): void {
    const key = `${action}\n${code}`;
    let child = this.rpcChildren.get(key);
    if (child === undefined) {
      const reason = REFUSALS[code];
      child = {
        total: this.rpcTotal.labels({ action, code }),
        seconds: this.rpcSeconds.labels({ action }),
        ...(reason === undefined ? {} : { refusal: this.refusals.labels({ reason }) }),
      };
      this.rpcChildren.set(key, child);
    }
    child.total.inc();
    if (seconds !== undefined) child.seconds.observe(seconds);
    child.refusal?.inc();
  }

  /** One request on another surface than the RPC API. */
  http(surface: string, status: number, seconds: number): void {
    this.httpTotal.labels({ surface, status: String(status) }).inc();
    this.httpSeconds.labels({ surface }).observe(seconds);
  }

  task(kind: string, outcome: TaskEnd, seconds: number): void {
    this.tasks.inc({ kind, outcome });
    this.taskSeconds.observe({ kind, outcome }, seconds);
  }

  stage(stage: EngineStage, seconds: number): void {
    this.stageSeconds.observe({ stage }, seconds);
  }

  /** An object request started (a part's body may take a while); the returned function is told how it ended. */
  objectRequest(): (result: { bytes: number } | { code: string }) => void {
    this.uploadsActive.inc();
    return (result) => {
      this.uploadsActive.dec();
      if ('code' in result) this.uploadFailures.inc({ code: result.code });
      else this.uploadBytes.inc(result.bytes);
    };
  }

  rendition(result: RenditionResult, seconds?: number): void {
    this.renditions.inc({ result });
    if (seconds !== undefined) this.renditionSeconds.observe(seconds);
  }

  callback(event: string, outcome: 'delivered' | 'failed' | 'refused'): void {
    this.callbacks.inc({ event, outcome });
  }

  /** The text exposition a scrape gets, and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

/** A queue that could not be read reports NaN, not a failed scrape: the process's other metrics still matter then. */
const UNKNOWN: QueueStats = { waiting: NaN, running: NaN, delayed: NaN, oldestWaitingSeconds: NaN };

/** One database read serves both queue gauges of a scrape (and concurrent scrapes). */
function sharedRead(read: () => Promise<QueueStats>): () => Promise<QueueStats> {
  let pending: Promise<QueueStats> | undefined;
  return () => {
    pending ??= read().catch(() => UNKNOWN).finally(() => setTimeout(() => (pending = undefined), 100).unref());
    return pending;
  };
}
