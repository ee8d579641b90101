import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task, TaskOutcome } from '../covers/ports.js';
import { openSqlite } from '../storage/open-sqlite.js';
import { SqliteTaskQueue } from './sqlite-task-queue.js';
import { Worker, type TaskHandlers } from './worker.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const clock = { now: () => new Date() };

async function setup(handler: (task: Task, signal: AbortSignal) => Promise<TaskOutcome>, maxAttempts = 3) {
  const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'queue-')), 'q.db'));
  const queue = new SqliteTaskQueue(db, clock);
  const gaveUp: string[] = [];
  const all = (task: Task, signal: AbortSignal) => handler(task, signal);
  const handlers: TaskHandlers = { 'cover.generate': all, 'video.fetch': all, 'callback.deliver': all, 'files.delete': all };
  const policy = { maxAttempts, delaySeconds: 0.02, backoff: false };
  const worker = new Worker(queue, handlers, {
    concurrency: 2, pollMs: 10, leaseMs: 60_000, log: silent,
    policies: { 'cover.generate': policy, 'video.fetch': policy, 'callback.deliver': policy, 'files.delete': policy },
    onGiveUp: async (task, reason) => void gaveUp.push(`${task.kind}: ${reason}`),
  });
  return { db, queue, worker, gaveUp };
}

const until = async (check: () => Promise<boolean> | boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('Worker on the SQLite task queue', () => {
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
    const { queue, worker, db } = await setup((_task, signal) => {
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
    await db.destroy();
  });
});
