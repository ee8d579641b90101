import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { AppError } from '../errors.js';
import { iso } from './kysely-store.js';
import { NonceGroup, nonceId, type NonceLedger, type PendingNonce } from './nonce-ledger.js';
import { NonceWindow } from './nonce-window.js';
import type { Sqlite } from './open-sqlite.js';

/**
 * Replay protection on the embedded database: the window is looked up in memory and written to an
 * append-only log.
 *
 * Why not a table keyed by nonce, as on PostgreSQL: a nonce is random, so every insert lands on a B-tree
 * page of its own; a batch of 64 requests wrote ~60 pages to the WAL, which made nonces the largest cost of
 * a request and their checkpoints the p99 tail (BENCHMARKS.md). Appending to a log by row id fills pages in
 * order: a batch writes a page or two.
 *
 * A batch is a handful of statements, run synchronously on the raw connection (Sqlite.exclusive): through
 * Kysely, building and awaiting four queries per batch cost more than the writes themselves.
 *
 * The log stays the authority. Each batch runs in a write transaction (BEGIN IMMEDIATE, so SQLite's writer
 * lock orders batches across processes) that first reads what other processes appended since this one last
 * looked, then decides and appends. Two processes on one data directory therefore never both accept a
 * nonce, and a restart reloads the window from the log. Memory is 50–100 bytes per nonce in the window,
 * outside the JavaScript heap (NonceWindow), so it is bounded by the per-key rate limit × 30 minutes (a
 * request's timestamp may be up to 15 minutes ahead).
 */
export class SqliteNonceLog implements NonceLedger {
  /** Nonce id → until when it is remembered (ms), forgotten in insertion order (roughly expiry order). */
  private readonly window = new NonceWindow();
  private lastId = 0;
  private readonly group: NonceGroup;
  private statements: Statements | undefined;

  private constructor(
    private readonly sqlite: Sqlite,
    private readonly limits: NonceLogLimits,
  ) {
    this.group = new NonceGroup((batch, now) => this.write(batch, now), limits.maxBatch);
  }

  /** Loads the window that is still open at `now` from the log. */
  static async open(sqlite: Sqlite, now: Date, limits: Partial<NonceLogLimits> = {}): Promise<SqliteNonceLog> {
    const log = new SqliteNonceLog(sqlite, { maxBatch: 500, maxWindow: 10_000_000, ...limits });
    await sqlite.exclusive((connection) => log.catchUp(log.prepared(connection), now.getTime()));
    return log;
  }

  remember(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return this.group.add(keyId, nonce, expiresAt, now);
  }

  /** Entries in the in-memory window (for tests and diagnostics). */
  get size(): number {
    return this.window.size;
  }

  /**
   * Forgets everything that has expired. Under load, write() already forgets as it goes; this catches up
   * after a busy spell has ended (nobody is waiting then).
   */
  async purge(now: Date): Promise<void> {
    this.window.forget(now.getTime(), Infinity);
    // The log's expired prefix, found by walking it in id order from the start (no index needed: what
    // went before was deleted already). The newest row always stays: SQLite gives a new row the largest
    // id + 1, so keeping it keeps ids monotonic, and "appended since id N" complete for every process.
    await sql`DELETE FROM nonce_log WHERE id < coalesce(
      (SELECT id FROM nonce_log WHERE expires_at >= ${iso(now)} ORDER BY id LIMIT 1),
      (SELECT max(id) FROM nonce_log))`.execute(this.sqlite.db);
  }

  /** `batch` holds each nonce once (NonceGroup sees to that). */
  private async write(batch: PendingNonce[], now: Date): Promise<void> {
    const nowMs = now.getTime();
    // Each batch also forgets up to twice as many expired nonces as it brings, in memory and in the log:
    // forgetting keeps pace with remembering in small steps, instead of one long pause a minute.
    const budget = 2 * batch.length;
    // The log runs in the same order as memory: only when something in memory expired is the log's front
    // worth a look (the statement costs as much as a dozen inserts).
    const expired = this.window.forget(nowMs, budget) > 0;
    const { fresh, refused } = await this.sqlite.exclusive((connection) => {
      const statements = this.prepared(connection);
      // BEGIN IMMEDIATE: the writer lock first, so that what catchUp reads is everything committed.
      return connection.transaction(() => {
        this.catchUp(statements, nowMs);
        const taken = new Set<PendingNonce>();
        const overflow = new Set<PendingNonce>();
        for (const p of batch) {
          if (this.window.get(p.id) >= nowMs) continue;
          // ~0.8 GB (10 million) is enough to spend on this: past that, the server is over its capacity
          // (or runs without a rate limit) and says so for new nonces.
          if (this.window.size + taken.size >= this.limits.maxWindow) {
            overflow.add(p);
            continue;
          }
          taken.add(p);
          this.lastId = Number(statements.append.run(p.keyId, p.nonce, iso(p.expiresAt)).lastInsertRowid);
        }
        if (expired) statements.trim.run(budget, iso(now));
        return { fresh: taken, refused: overflow };
      }).immediate();
    });
    // Only what is committed enters the window.
    for (const p of fresh) this.window.set(p.id, p.expiresAt.getTime());
    const full = refused.size > 0 ? new AppError('unavailable', `too many requests within the 15-minute replay window (${this.window.size} remembered)`) : undefined;
    for (const p of batch) {
      if (refused.has(p)) p.reject(full);
      else p.resolve(fresh.has(p));
    }
  }

  /** Takes in what was appended since this process last looked (by itself too, on first open). */
  private catchUp(statements: Statements, nowMs: number): void {
    for (const r of statements.since.iterate(this.lastId) as IterableIterator<LogRow>) {
      const until = Date.parse(r.expires_at);
      if (until >= nowMs) this.window.set(nonceId(r.key_id, r.nonce), until);
      this.lastId = r.id;
    }
  }

  private prepared(connection: SqliteDatabase.Database): Statements {
    this.statements ??= {
      since: connection.prepare('SELECT id, key_id, nonce, expires_at FROM nonce_log WHERE id > ? ORDER BY id'),
      append: connection.prepare('INSERT INTO nonce_log (key_id, nonce, expires_at) VALUES (?, ?, ?)'),
      // The expired among the log's first rows: a bounded walk from the front, whatever the log holds.
      // (Never the newest row: see purge.)
      trim: connection.prepare('DELETE FROM nonce_log WHERE id IN (SELECT id FROM nonce_log ORDER BY id LIMIT ?) AND expires_at < ? AND id < (SELECT max(id) FROM nonce_log)'),
    };
    return this.statements;
  }
}

export interface NonceLogLimits {
  /** Most nonces written in one transaction. */
  readonly maxBatch: number;
  /** Most nonces remembered at once; beyond it requests are refused as unavailable. */
  readonly maxWindow: number;
}

interface Statements {
  readonly since: SqliteDatabase.Statement;
  readonly append: SqliteDatabase.Statement;
  readonly trim: SqliteDatabase.Statement;
}

interface LogRow {
  readonly id: number;
  readonly key_id: string;
  readonly nonce: string;
  readonly expires_at: string;
}
