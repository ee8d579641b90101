import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints on a thread of their own. A checkpoint copies the log back into the
 * database and fsyncs it; left to SQLite's automatic checkpoint, that happens inside whichever commit
 * crosses the threshold, on the event loop, and stalls every request in flight for tens of milliseconds
 * (measured: half of a nonce insert's cost and the whole p99 tail of bench:api). The owning connection
 * turns automatic checkpoints off; this thread runs a PASSIVE checkpoint every interval, which never
 * blocks the writer. When the log has grown past `truncateBytes` (a checkpoint that keeps losing the race
 * with a busy writer), a TRUNCATE checkpoint waits its turn and resets it.
 *
 * The worker's source is inline (run with `eval`) so that it is the same under tsc's dist/ and under tsx.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly opened: Promise<void>;

  constructor(file: string, intervalMs = 250, truncateBytes = 64 * 1024 * 1024) {
    const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, sqliteModule, intervalMs, truncateBytes } });
    // Checkpointing never keeps the process alive, and a failed checkpointer only costs speed: SQLite's
    // own automatic checkpoints are what the owner falls back to.
    this.worker.unref();
    this.opened = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    // Nobody need wait for it: a thread that fails to start is reported through onFailure.
    this.opened.catch(() => {});
  }

  /** Resolves once the thread has its connection open (and checkpoints from then on). */
  ready(): Promise<void> {
    return this.opened;
  }

  onFailure(listener: (error: Error) => void): void {
    this.worker.once('error', listener);
  }

  /** Asks for a last checkpoint and closes the thread's connection. */
  stop(): void {
    this.worker.postMessage('stop');
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
parentPort.postMessage('ready');
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const timer = setInterval(() => {
  db.pragma(walSize() > workerData.truncateBytes ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.pragma('wal_checkpoint(PASSIVE)');
  db.close();
  parentPort.close();
});
`;
