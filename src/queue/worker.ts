import type { Task, TaskOutcome } from '../covers/ports.js';
import type { Logger } from '../logger.js';
import type { ClaimedTask, TaskSource } from './task-source.js';

/** One handler per kind of task; the compiler checks that every kind has one. */
export type TaskHandlers = { [K in Task['kind']]: (task: Extract<Task, { kind: K }>, signal: AbortSignal) => Promise<TaskOutcome> };

/**
 * How often a kind of task is tried and how long to wait in between. Declarative rather than a function,
 * because pg-boss schedules retries itself and must be given the same policy.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly delaySeconds: number;
  /** Doubles the delay after every failed attempt. */
  readonly backoff: boolean;
}

/** The delay before attempt n + 1 after attempt n failed. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return policy.delaySeconds * 1000 * (policy.backoff ? 2 ** (attempt - 1) : 1);
}

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly leaseMs: number;
  readonly policies: { readonly [K in Task['kind']]: RetryPolicy };
  /** A task that used up its attempts: lets the domain record the failure (a job ends `fail`). */
  readonly onGiveUp: (task: Task, reason: string) => Promise<void>;
  readonly log: Logger;
  /** Told how every run of a task ended and how long it took (the service's metrics). */
  readonly onTaskEnd?: ((kind: Task['kind'], outcome: TaskEnd, seconds: number) => void) | undefined;
}

/** How one run of a task ended: finished, failed for good (expected, or out of attempts), retried later, handed back at shutdown, or found abandoned. */
export type TaskEnd = 'done' | 'failed' | 'retried' | 'gave_up' | 'released' | 'abandoned';

/**
 * Runs tasks from a queue, `concurrency` at a time. An unexpected error is retried with backoff until the
 * policy's attempts run out; an expected failure (the handler's outcome) is final at once. stop() stops
 * claiming, lets running tasks finish within a grace period, then cancels them and hands them back.
 */
export class Worker {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly source: TaskSource,
    private readonly handlers: TaskHandlers,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  /** Wakes idle loops now (after an enqueue in the same process) instead of at the next poll. */
  poke(): void {
    this.wake?.();
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.poke();
    const finished = Promise.all([...this.running.values()].map((r) => r.done));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([finished.then(() => 'done' as const), timer])) === 'timeout') {
      for (const r of this.running.values()) r.controller.abort();
      await finished;
    }
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed: ClaimedTask | undefined;
      try {
        claimed = await this.source.claim(this.options.leaseMs);
      } catch (error) {
        // The database may be briefly unreachable; keep trying rather than dying.
        this.options.log.warn({ err: error }, 'worker could not claim a task; retrying');
      }
      if (claimed !== undefined && this.stopping) {
        // stop() began while this loop was claiming (it may even have claimed a task stop() just handed
        // back): the task goes straight back, or stop() would wait for it forever.
        await this.source.release(claimed.id).catch(() => {});
        break;
      }
      if (claimed === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      const controller = new AbortController();
      const done = this.run(claimed, controller.signal);
      this.running.set(claimed.id, { controller, done });
      await done;
      this.running.delete(claimed.id);
    }
  }

  private async run(claimed: ClaimedTask, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const outcome = await this.runOnce(claimed, signal);
    this.options.onTaskEnd?.(claimed.task.kind, outcome, (performance.now() - started) / 1000);
  }

  private async runOnce(claimed: ClaimedTask, signal: AbortSignal): Promise<TaskEnd> {
    const { task, attempt, id } = claimed;
    if (claimed.abandoned !== undefined) {
      this.options.log.error({ task: task.kind }, `task abandoned: ${claimed.abandoned}`);
      await this.options.onGiveUp(task, claimed.abandoned).catch((e: unknown) => this.options.log.error({ err: e }, 'recording a failed task failed'));
      await this.source.complete(id).catch(() => {});
      return 'abandoned';
    }
    const policy = this.options.policies[task.kind];
    const heartbeat = setInterval(() => void this.source.extendLease(id, this.options.leaseMs).catch(() => {}), this.options.leaseMs / 3);
    try {
      const handler = this.handlers[task.kind] as (t: Task, s: AbortSignal) => Promise<TaskOutcome>;
      const outcome = await handler(task, signal);
      if (outcome.status === 'done') {
        await this.source.complete(id);
        return 'done';
      }
      this.options.log.info({ task: task.kind, reason: outcome.reason }, 'task ended in an expected failure');
      await this.source.fail(id, outcome.reason);
      return 'failed';
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (signal.aborted) {
        // Shutting down: the task goes back as it was, for this or another worker to run again.
        await this.source.release(id).catch(() => {});
        return 'released';
      }
      if (attempt < policy.maxAttempts) {
        this.options.log.warn({ task: task.kind, attempt, err: error }, 'task failed; will retry');
        await this.source.retry(id, reason, retryDelayMs(policy, attempt)).catch(() => {});
        return 'retried';
      }
      this.options.log.error({ task: task.kind, attempt, err: error }, 'task failed for good');
      await this.source.fail(id, reason).catch(() => {});
      await this.options.onGiveUp(task, reason).catch((e: unknown) => this.options.log.error({ err: e }, 'recording a failed task failed'));
      return 'gave_up';
    } finally {
      clearInterval(heartbeat);
    }
  }
}
