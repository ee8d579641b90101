import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../storage/open-sqlite.js';
import { localProcesses, processOwner } from './process-owners.js';
import { SqliteTaskQueue } from './sqlite-task-queue.js';

const clock = { now: () => new Date() };

/** A queue on a fresh database, and a second handle on it that claims as `owner` (another process). */
async function queues(owner: string) {
  const { db } = await openSqlite(join(mkdtempSync(join(tmpdir(), 'queue-')), 'q.db'));
  const mine = new SqliteTaskQueue(db, clock);
  const theirs = new SqliteTaskQueue(db, clock, { self: owner, isRunning: localProcesses.isRunning });
  return { db, mine, theirs, close: () => db.destroy() };
}

/** A real process that runs until killed, and its identity as an owner. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { owner: processOwner(child.pid!), stop: () => (child.kill('SIGKILL'), exited) };
}

describe('SqliteTaskQueue.recoverAfterCrash (another serve or worker on the same data directory)', () => {
  it('leaves a task to a process that still runs, and hands it back once that process has died', async () => {
    const other = otherProcess();
    const { mine, theirs, close } = await queues(other.owner);
    try {
      await mine.enqueue({ kind: 'cover.generate', jobId: 'j1' });
      expect((await theirs.claim(60_000))?.task).toEqual({ kind: 'cover.generate', jobId: 'j1' });
      expect(await mine.recoverAfterCrash()).toBe(0);
      expect(await mine.claim(60_000)).toBeUndefined();

      await other.stop();
      expect(await mine.recoverAfterCrash()).toBe(1);
      const again = await mine.claim(60_000);
      expect(again?.task).toEqual({ kind: 'cover.generate', jobId: 'j1' });
      expect(again?.attempt).toBe(2);
      // Now this process holds it, and it is running.
      expect(await theirs.recoverAfterCrash()).toBe(0);
    } finally {
      await other.stop();
      await close();
    }
  });

  it('hands back a task whose pid now belongs to another process, and one with no owner recorded', async () => {
    // This process's own pid with another start time: the owner died and the pid was given out again.
    const reused = `${hostname()}/${process.pid}/1`;
    const { db, mine, theirs, close } = await queues(reused);
    try {
      await mine.enqueue({ kind: 'cover.generate', jobId: 'j1' });
      await theirs.claim(60_000);
      expect(localProcesses.isRunning(reused)).toBe(false);
      expect(await mine.recoverAfterCrash()).toBe(1);
      expect(await mine.claim(60_000)).toBeDefined();
      // A task claimed before owners were recorded (a database from an earlier version).
      await db.updateTable('tasks').set({ owner: null }).execute();
      expect(await mine.recoverAfterCrash()).toBe(1);
    } finally {
      await close();
    }
    for (const owner of ['', 'not an owner', `${hostname()}/0/`]) expect(localProcesses.isRunning(owner), owner).toBe(false);
  });

  it('leaves a task to an owner on another host: only its lease can tell', async () => {
    const { mine, theirs, close } = await queues(`not-${hostname()}/1/1`);
    try {
      await mine.enqueue({ kind: 'cover.generate', jobId: 'j1' });
      await theirs.claim(60_000);
      expect(await mine.recoverAfterCrash()).toBe(0);
    } finally {
      await close();
    }
  });
});
