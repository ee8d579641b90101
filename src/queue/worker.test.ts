import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendsUnderTest, freshPostgres } from '../../test/support/backend.js';
import type { Task, TaskOutcome, TaskQueue } from '../covers/ports.js';
import { openSqlite } from '../storage/open-sqlite.js';
import { PgBossQueue } from './pg-boss-queue.js';
import { SqliteTaskQueue } from './sqlite-task-queue.js';
import type { TaskSource } from './task-source.js';
import { Worker, type RetryPolicy, type TaskHandlers } from './worker.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const clock = { now: () => new Date() };

/** The same value for every kind of task. */
const everyKind = <T>(value: T): { [K in Task['kind']]: T } =>
  ({
    'cover.generate': value, 'video.fetch': value, 'upload.callback': value, 'upload.complete': value, 'callback.deliver': value, 'files.delete': value,
    'snapshot.generate': value, 'snapshot.callback': value,
  });

interface Queue extends TaskQueue, TaskSource {
  pending(): Promise<number>;
}

/** A fresh queue on each backend; `another` opens a second handle on the same one (another process). */
const queues: Record<string, (policy: RetryPolicy, leaseSeconds: number) => Promise<{ queue: Queue; another: () => Promise<Queue>; close: () => Promise<void> }>> = {
  sqlite: async () => {
    const { db } = await openSqlite(join(mkdtempSync(join(tmpdir(), 'queue-')), 'q.db'));
    return { queue: new SqliteTaskQueue(db, clock), another: async () => new SqliteTaskQueue(db, clock), close: () => db.destroy() };
  },
  postgres: async (policy, leaseSeconds) => {
    const url = await freshPostgres();
    const opened: PgBossQueue[] = [];
    const open = async () => {
      const queue = await PgBossQueue.start({
        connectionString: url, leaseSeconds, supervise: true, maintenanceSeconds: 1, onError: () => {},
        policies: everyKind(policy),
      });
      opened.push(queue);
      return queue;
    };
    return { queue: await open(), another: open, close: async () => void (await Promise.all(opened.map((q) => q.close()))) };
  },
};

for (const backend of backendsUnderTest()) {
describe(`Worker on the ${backend.name} task queue`, () => {
  async function setup(handler: (task: Task, signal: AbortSignal) => Promise<TaskOutcome>, maxAttempts = 3, leaseSeconds = 60) {
    const policy = { maxAttempts, delaySeconds: 0.02, backoff: true };
    const { queue, another, close } = await queues[backend.name]!(policy, leaseSeconds);
    const gaveUp: string[] = [];
    const all = (task: Task, signal: AbortSignal) => handler(task, signal);
    const handlers: TaskHandlers = everyKind(all);
    const worker = new Worker(queue, handlers, {
      concurrency: 2, pollMs: 10, leaseMs: leaseSeconds * 1000, log: silent,
      policies: everyKind(policy),
      onGiveUp: async (task, reason) => void gaveUp.push(`${task.kind}: ${reason}`),
    });
    return { db: { destroy: close }, queue, another, worker, gaveUp };
  }

const until = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

  it('retries an unexpected failure with backoff until it succeeds', async () => {
    const runs: number[] = [];
    const { queue, worker, db } = await setup(async () => {
      runs.push(Date.now());
      if (runs.length < 3) throw new Error('flaky');
      return { status: 'done' };
    });
    await queue.enqueue({ kind: 'cover.generate', jobId: 'j1' });
    worker.start();
    await until(async () => (await queue.pending()) === 0);
    await worker.stop(1_000);
    expect(runs).toHaveLength(3);
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(20);
    expect(runs[2]! - runs[1]!).toBeGreaterThanOrEqual(40);
    await db.destroy();
  });

  it('gives up after the last attempt and tells the domain, once', async () => {
    let runs = 0;
    const { queue, worker, gaveUp, db } = await setup(async () => {
      runs++;
      throw new Error('always broken');
    }, 2);
    await queue.enqueue({ kind: 'cover.generate', jobId: 'j2' });
    worker.start();
    await until(() => gaveUp.length === 1);
    await worker.stop(1_000);
    expect(runs).toBe(2);
    expect(gaveUp).toEqual(['cover.generate: always broken']);
    await db.destroy();
  });

  it('does not retry an expected failure (no retry storm for a bad video)', async () => {
    let runs = 0;
    const { queue, worker, gaveUp, db } = await setup(async () => {
      runs++;
      return { status: 'failed', reason: 'not a video' };
    });
    await queue.enqueue({ kind: 'cover.generate', jobId: 'j3' });
    worker.start();
    await until(async () => (await queue.pending()) === 0);
    await new Promise((r) => setTimeout(r, 100));
    await worker.stop(1_000);
    expect(runs).toBe(1);
    expect(gaveUp).toEqual([]);
    await db.destroy();
  });

  it('queues a deduplicated task once while it is pending, and again after it ran', async () => {
    const seen: string[] = [];
    const { queue, worker, db } = await setup(async (task) => {
      seen.push(task.kind === 'cover.generate' ? task.jobId : '?');
      return { status: 'done' };
    });
    await queue.enqueue({ kind: 'cover.generate', jobId: 'same' }, { dedupeKey: 'k' });
    await queue.enqueue({ kind: 'cover.generate', jobId: 'same' }, { dedupeKey: 'k' });
    expect(await queue.pending()).toBe(1);
    worker.start();
    await until(async () => (await queue.pending()) === 0);
    await queue.enqueue({ kind: 'cover.generate', jobId: 'same' }, { dedupeKey: 'k' });
    await until(async () => (await queue.pending()) === 0);
    await worker.stop(1_000);
    expect(seen).toEqual(['same', 'same']);
    await db.destroy();
  });

  it('hands a running task back on stop when the grace period runs out, and it runs again later', async () => {
    let started = 0;
    const { queue, another, worker, db } = await setup((_task, signal) => {
      started++;
      // Like a cover job: it runs until done or cancelled.
      return new Promise<TaskOutcome>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled'))));
    });
    await queue.enqueue({ kind: 'cover.generate', jobId: 'slow' });
    worker.start();
    await until(() => started === 1);
    const stopping = Date.now();
    await worker.stop(50);
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(await queue.pending()).toBe(1);
    // Handed back, not lost: the next worker runs it.
    const again = await (await another()).claim(60_000);
    expect(again?.task).toEqual({ kind: 'cover.generate', jobId: 'slow' });
    await db.destroy();
  });

  it.runIf(backend.name === 'postgres')('tells the domain when a task\'s last attempt ended with its worker dead, once', async () => {
    let runs = 0;
    const { queue, another, worker, gaveUp, db } = await setup(async () => {
      runs++;
      return { status: 'done' };
    }, 1, 2);
    await queue.enqueue({ kind: 'cover.generate', jobId: 'doomed' });
    // Its only attempt is claimed by a worker that then dies.
    expect((await (await another()).claim(2_000))?.task).toEqual({ kind: 'cover.generate', jobId: 'doomed' });
    worker.start();
    await until(() => gaveUp.length === 1);
    await new Promise((r) => setTimeout(r, 1_500));
    await worker.stop(1_000);
    expect(runs).toBe(0);
    expect(gaveUp).toEqual([expect.stringMatching(/^cover\.generate: every attempt ended with its worker gone/)]);
    await db.destroy();
  });

  it('gives a task whose worker died (never came back) to another worker once its lease has expired', async () => {
    const { queue, another, db } = await setup(async () => ({ status: 'done' }), 3, 2);
    await queue.enqueue({ kind: 'cover.generate', jobId: 'orphan' });
    const dead = await queue.claim(2_000);
    expect(dead?.task).toEqual({ kind: 'cover.generate', jobId: 'orphan' });
    const survivor = await another();
    expect(await survivor.claim(2_000)).toBeUndefined();
    let taken: Awaited<ReturnType<Queue['claim']>>;
    await until(async () => (taken = await survivor.claim(2_000)) !== undefined);
    expect(taken!.task).toEqual({ kind: 'cover.generate', jobId: 'orphan' });
    expect(taken!.attempt).toBe(2);
    await survivor.complete(taken!.id);
    expect(await survivor.pending()).toBe(0);
    await db.destroy();
  });
});
}


