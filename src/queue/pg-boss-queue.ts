import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Task, TaskQueue } from '../covers/ports.js';
import type { ClaimedTask, QueueStats, TaskSource } from './task-source.js';
import type { RetryPolicy } from './worker.js';

export interface PgBossQueueOptions {
  readonly connectionString: string;
  /** Attempts and backoff per kind: pg-boss schedules the retries, so it must know them. */
  readonly policies: { readonly [K in Task['kind']]: RetryPolicy };
  /**
   * How long a claimed task may run before pg-boss considers its worker dead and hands it to another one.
   * pg-boss has no heartbeat, so this is a fixed lease: it must exceed the longest analysis.
   */
  readonly leaseSeconds: number;
  /** Whether this process runs pg-boss's maintenance (expiring dead workers' leases): workers do, APIs not. */
  readonly supervise: boolean;
  /** How often maintenance runs (seconds). */
  readonly maintenanceSeconds: number;
  readonly onError: (error: Error) => void;
}

/** Where tasks go whose attempts all ended with a dead worker (see claim()). */
const DEAD_LETTER = 'tasks.abandoned';

/**
 * The queue on PostgreSQL, for many workers on many machines: pg-boss, one queue per kind of task.
 *
 * How the worker's contract maps onto pg-boss:
 * - a dedupe key is a singletonKey on a `short` queue (at most one queued job per key); tasks without
 *   one get a unique key, because `short` treats "no key" as one shared key;
 * - the attempt is pg-boss's retryCount + 1; retry() is pg-boss's fail(), which schedules the next
 *   attempt with the queue's backoff;
 * - fail() (an expected failure such as a bad video, or the last attempt of an unexpected one) completes
 *   the task with the reason as its output: the worker has told the domain, and pg-boss must not retry;
 * - a worker killed mid-task holds it until the lease expires; pg-boss's maintenance (run by any worker)
 *   then retries it elsewhere. extendLease() is a no-op: pg-boss has no heartbeat;
 * - release() (shutdown) cancels and resumes the job, which pg-boss counts as an attempt;
 * - so pg-boss's own `failed` means a task whose last attempt ended with its worker dead (lease expired),
 *   which nobody would report: each queue dead-letters into DEAD_LETTER, and claim() hands those out as
 *   `abandoned`, so that the job still ends `fail`.
 */
export class PgBossQueue implements TaskQueue, TaskSource {
  private readonly claimed = new Map<string, { name: string; retryCount: number; retryLimit: number }>();
  private next = 0;
  /** Every kind of task: the policies' keys, which the compiler checks are complete. */
  private readonly kinds: readonly Task['kind'][];

  private constructor(
    private readonly boss: PgBoss,
    options: PgBossQueueOptions,
  ) {
    this.kinds = Object.keys(options.policies) as Task['kind'][];
  }

  /** Connects, creates or migrates pg-boss's schema, and creates the queues (all idempotent). */
  static async start(options: PgBossQueueOptions): Promise<PgBossQueue> {
    const boss = new PgBoss({
      connectionString: options.connectionString,
      max: 4,
      supervise: options.supervise,
      schedule: false,
      maintenanceIntervalSeconds: options.maintenanceSeconds,
      monitorStateIntervalSeconds: Math.max(options.maintenanceSeconds, 10),
    });
    boss.on('error', options.onError);
    await boss.start();
    if ((await boss.getQueue(DEAD_LETTER)) === null) await boss.createQueue(DEAD_LETTER, { name: DEAD_LETTER, retryLimit: 3, retryDelay: 5 });
    for (const [name, policy] of Object.entries(options.policies) as [Task['kind'], RetryPolicy][]) {
      const queue = {
        name, policy: 'short' as const, retryLimit: policy.maxAttempts - 1, retryDelay: Math.max(1, Math.round(policy.delaySeconds)),
        retryBackoff: policy.backoff, expireInSeconds: options.leaseSeconds, deadLetter: DEAD_LETTER,
      };
      if ((await boss.getQueue(name)) === null) await boss.createQueue(name, queue);
      else await boss.updateQueue(name, queue);
    }
    return new PgBossQueue(boss, options);
  }

  async enqueue(task: Task, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    await this.boss.send(task.kind, task, {
      singletonKey: options.dedupeKey ?? randomUUID(),
      ...(options.delayMs ? { startAfter: Math.ceil(options.delayMs / 1000) } : {}),
    });
  }

  async claim(): Promise<ClaimedTask | undefined> {
    const [dead] = await this.boss.fetch<Task>(DEAD_LETTER, { batchSize: 1, includeMetadata: true });
    if (dead !== undefined) {
      this.claimed.set(dead.id, { name: DEAD_LETTER, retryCount: dead.retryCount, retryLimit: dead.retryLimit });
      return { id: dead.id, task: dead.data, attempt: 1, abandoned: 'every attempt ended with its worker gone (lease expired)' };
    }
    // Round-robin over the kinds, so a flood of one kind cannot starve the others.
    for (let i = 0; i < this.kinds.length; i++) {
      const name = this.kinds[(this.next + i) % this.kinds.length]!;
      const [job] = await this.boss.fetch<Task>(name, { batchSize: 1, includeMetadata: true });
      if (job === undefined) continue;
      this.next = (this.next + i + 1) % this.kinds.length;
      this.claimed.set(job.id, { name, retryCount: job.retryCount, retryLimit: job.retryLimit });
      return { id: job.id, task: job.data, attempt: job.retryCount + 1 };
    }
    return undefined;
  }

  async extendLease(): Promise<void> {}

  async complete(id: string): Promise<void> {
    await this.boss.complete(this.take(id).name, id);
  }

  async retry(id: string, error: string): Promise<void> {
    await this.boss.fail(this.take(id).name, id, { error: error.slice(0, 2000) });
  }

  async fail(id: string, error: string): Promise<void> {
    const { name } = this.take(id);
    await this.boss.complete(name, id, { failed: error.slice(0, 2000) });
  }

  async release(id: string): Promise<void> {
    const { name } = this.take(id);
    await this.boss.cancel(name, id);
    await this.boss.resume(name, id);
  }

  /** Jobs queued or running, over every kind (for tests and shutdown). */
  async pending(): Promise<number> {
    let total = 0;
    for (const name of this.kinds) total += await this.boss.getQueueSize(name, { before: 'completed' });
    return total;
  }

  /**
   * Straight from pg-boss's job table (its own counts are refreshed by its monitor, up to a minute late).
   * A job is waiting once its start_after has passed (a retry's backoff is not time spent waiting for a
   * worker); dead-lettered tasks count too, since a worker still has to report them.
   */
  async stats(): Promise<QueueStats> {
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now()) AS waiting,
              count(*) FILTER (WHERE state = 'active') AS running,
              count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after > now()) AS delayed,
              coalesce(extract(epoch FROM now() - min(start_after) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now())), 0) AS oldest
         FROM pgboss.job WHERE name = ANY($1::text[]) AND state < 'completed'`,
      [[...this.kinds, DEAD_LETTER]],
    ) as { rows: { waiting: string; running: string; delayed: string; oldest: string }[] };
    const row = rows[0]!;
    return { waiting: Number(row.waiting), running: Number(row.running), delayed: Number(row.delayed), oldestWaitingSeconds: Math.max(0, Number(row.oldest)) };
  }

  /** Nothing to do: a dead worker's tasks come back when their lease expires. */
  async recoverAfterCrash(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: true, wait: true });
  }

  private take(id: string): { name: string; retryCount: number; retryLimit: number } {
    const job = this.claimed.get(id);
    if (job === undefined) throw new Error(`task ${id} is not held by this worker`);
    this.claimed.delete(id);
    return job;
  }
}
