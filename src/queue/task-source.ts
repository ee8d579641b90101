import type { Task } from '../covers/ports.js';

/** A task a worker has claimed: it holds the lease until it completes, retries, fails or releases it. */
export interface ClaimedTask {
  readonly id: string;
  readonly task: Task;
  /** 1 on the first run. */
  readonly attempt: number;
  /**
   * Set when the task is not to be run but reported: its attempts ran out without a worker failing it
   * (each of its workers died). The worker then only tells the domain it gave up, with this reason.
   */
  readonly abandoned?: string;
}

/** The worker's side of a queue (the embedded SQLite queue, or pg-boss). */
export interface TaskSource {
  claim(leaseMs: number): Promise<ClaimedTask | undefined>;
  extendLease(id: string, leaseMs: number): Promise<void>;
  complete(id: string): Promise<void>;
  retry(id: string, error: string, delayMs: number): Promise<void>;
  fail(id: string, error: string): Promise<void>;
  /** Hands a task back untouched (shutdown): its attempt does not count. */
  release(id: string): Promise<void>;
}

/** What a queue holds now, for metrics: tasks runnable now, running, waiting for a later time (a retry's backoff), and how long the oldest runnable one has waited to be claimed. */
export interface QueueStats {
  readonly waiting: number;
  readonly running: number;
  readonly delayed: number;
  readonly oldestWaitingSeconds: number;
}
