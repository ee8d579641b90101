import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { AppError } from '../errors.js';
import { NonceGroup, type NonceLedger, type PendingNonce } from './nonce-ledger.js';
import { ENTRY, readEntries, writeEntry } from './nonce-entries.js';
import { NonceWindow, nonceDigest } from './nonce-window.js';
import type { Sqlite } from './open-sqlite.js';

/**
 * Replay protection on the embedded database: the window is looked up in memory and written to an
 * append-only log, one row per batch.
 *
 * Why not a table keyed by nonce, as on PostgreSQL: a nonce is random, so every insert lands on a B-tree
 * page of its own; a batch of 64 requests wrote ~60 pages to the WAL, which made nonces the largest cost of
 * a request and their checkpoints the p99 tail (BENCHMARKS.md). Appending to a log by row id fills pages in
 * order. Why a row per batch rather than per nonce: each row was an INSERT of its own, ~4 µs a nonce, half
 * the cost of replay protection (bench:nonces); a batch's nonces go in one row as the digests the window
 * keeps them under (NonceWindow), 16 bytes each, which is all a restart needs to rebuild the window.
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
  /** Nonce digest → until when it is remembered (ms), forgotten in insertion order (roughly expiry order). */
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
    await sql`DELETE FROM nonce_batches WHERE id < coalesce(
      (SELECT id FROM nonce_batches WHERE until_ms >= ${now.getTime()} ORDER BY id LIMIT 1),
      (SELECT max(id) FROM nonce_batches))`.execute(this.sqlite.db);
  }

  /** `batch` holds each nonce once (NonceGroup sees to that). */
  private async write(batch: PendingNonce[], now: Date): Promise<void> {
    const nowMs = now.getTime();
    // Each batch also forgets up to twice as many expired nonces as it brings from memory, and up to two
    // expired batches from the log: forgetting keeps pace with remembering in small steps, instead of one
    // long pause a minute. The log runs in the same order as memory: only when something in memory
    // expired is the log's front worth a look (the statement costs as much as the append).
    const expired = this.window.forget(nowMs, 2 * batch.length) > 0;
    const digests = new Uint32Array(2 * batch.length);
    for (let i = 0; i < batch.length; i++) nonceDigest(batch[i]!.id, digests, 2 * i);
    const taken = new Uint8Array(batch.length);
    const full = await this.sqlite.exclusive((connection) => {
      const statements = this.prepared(connection);
      // BEGIN IMMEDIATE: the writer lock first, so that what catchUp reads is everything committed.
      return connection.transaction(() => {
        this.catchUp(statements, nowMs);
        const entries = Buffer.allocUnsafe(ENTRY * batch.length);
        let count = 0;
        let untilMs = 0;
        let overflow = false;
        for (let i = 0; i < batch.length; i++) {
          if (this.window.getDigest(digests[2 * i]!, digests[2 * i + 1]!) >= nowMs) continue;
          // ~0.8 GB (10 million) is enough to spend on this: past that, the server is over its capacity
          // (or runs without a rate limit) and says so for new nonces.
          if (this.window.size + count >= this.limits.maxWindow) {
            taken[i] = REFUSED;
            overflow = true;
            continue;
          }
          const until = batch[i]!.expiresAt.getTime();
          writeEntry(entries, count, digests[2 * i]!, digests[2 * i + 1]!, until);
          untilMs = Math.max(untilMs, until);
          taken[i] = FRESH;
          count++;
        }
        if (count > 0) this.lastId = Number(statements.append.run(untilMs, entries.subarray(0, ENTRY * count)).lastInsertRowid);
        if (expired) statements.trim.run(nowMs);
        return overflow;
      }).immediate();
    });
    // Only what is committed enters the window.
    for (let i = 0; i < batch.length; i++) if (taken[i] === FRESH) this.window.setDigest(digests[2 * i]!, digests[2 * i + 1]!, batch[i]!.expiresAt.getTime());
    const refusal = full ? new AppError('unavailable', `too many requests within the 15-minute replay window (${this.window.size} remembered)`) : undefined;
    for (let i = 0; i < batch.length; i++) {
      if (taken[i] === REFUSED) batch[i]!.reject(refusal);
      else batch[i]!.resolve(taken[i] === FRESH);
    }
  }

  /** Takes in what was appended since this process last looked (by itself too, on first open). */
  private catchUp(statements: Statements, nowMs: number): void {
    for (const r of statements.since.iterate(this.lastId) as IterableIterator<BatchRow>) {
      if (r.until_ms >= nowMs) {
        readEntries(r.entries, (hi, lo, until) => {
          if (until >= nowMs) this.window.setDigest(hi, lo, until);
        });
      }
      this.lastId = r.id;
    }
  }

  private prepared(connection: SqliteDatabase.Database): Statements {
    this.statements ??= {
      since: connection.prepare('SELECT id, until_ms, entries FROM nonce_batches WHERE id > ? ORDER BY id'),
      append: connection.prepare('INSERT INTO nonce_batches (until_ms, entries) VALUES (?, ?)'),
      // The expired among the log's first rows: a bounded walk from the front, whatever the log holds.
      // (Never the newest row: see purge.)
      trim: connection.prepare(`DELETE FROM nonce_batches WHERE id IN (SELECT id FROM nonce_batches ORDER BY id LIMIT ${TRIM_BATCHES}) AND until_ms < ? AND id < (SELECT max(id) FROM nonce_batches)`),
    };
    return this.statements;
  }
}

/** Expired batches the log forgets with each batch it appends (batches come at a steady pace, so 2 keeps up). */
const TRIM_BATCHES = 2;
/** What a batch's write did with each nonce (0: already in the window). */
const FRESH = 1;
const REFUSED = 2;

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

interface BatchRow {
  readonly id: number;
  /** The latest until of its entries. */
  readonly until_ms: number;
  readonly entries: Buffer;
}
