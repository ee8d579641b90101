import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, freshPostgres } from '../../test/support/backend.js';
import type { NonceLedger } from './nonce-ledger.js';
import { NonceTable } from './nonce-table.js';
import { openPostgres } from './open-postgres.js';
import { migrationProvider } from './migrations.js';
import { openSqlite, type Sqlite } from './open-sqlite.js';
import type { Database } from './schema.js';
import { ENTRY } from './nonce-entries.js';
import { SqliteNonceLog } from './sqlite-nonce-log.js';

const now = new Date('2026-01-01T00:00:00Z');
const later = new Date(now.getTime() + 15 * 60_000);
const opened: Kysely<Database>[] = [];
afterAll(async () => void (await Promise.all(opened.map((db) => db.destroy()))));

const sqliteFile = () => join(mkdtempSync(join(tmpdir(), 'nonces-')), 'n.db');
async function track(opening: Promise<Sqlite>): Promise<Sqlite> {
  const sqlite = await opening;
  opened.push(sqlite.db);
  return sqlite;
}

/** The log's rows (one per batch) in id order, and how many nonces they hold. */
const logRows = (sqlite: Sqlite) => sqlite.db.selectFrom('nonce_batches').select(['id', 'entries']).orderBy('id').execute();
const logNonces = async (sqlite: Sqlite) => (await logRows(sqlite)).reduce((n, r) => n + r.entries.length / ENTRY, 0);

/** The ledger each backend's server uses. */
async function ledger(backend: string, maxBatch = 500): Promise<NonceLedger> {
  if (backend === 'sqlite') return SqliteNonceLog.open(await track(openSqlite(sqliteFile())), now, { maxBatch });
  const db = await openPostgres(await freshPostgres());
  opened.push(db);
  return new NonceTable(db, maxBatch);
}

for (const backend of backendsUnderTest().map((b) => b.name)) {
  describe(`replay protection on ${backend}`, () => {
    it('tells a fresh nonce from a replay, within one batch and across batches, per key', async () => {
      const nonces = await ledger(backend);
      // Same tick: one batch. The same nonce twice in it is fresh once.
      const first = await Promise.all([
        nonces.remember('k1', 'a', later, now), nonces.remember('k1', 'a', later, now),
        nonces.remember('k1', 'b', later, now), nonces.remember('k2', 'a', later, now),
      ]);
      expect(first).toEqual([true, false, true, true]);
      // A later batch: committed nonces are replays.
      expect(await nonces.remember('k1', 'a', later, now)).toBe(false);
      expect(await nonces.remember('k1', 'c', later, now)).toBe(true);
      // Once an entry has expired, its nonce may be used again, and is then remembered anew.
      const muchLater = new Date(later.getTime() + 1000);
      const muchLaterExpiry = new Date(muchLater.getTime() + 15 * 60_000);
      expect(await nonces.remember('k1', 'a', muchLaterExpiry, muchLater)).toBe(true);
      expect(await nonces.remember('k1', 'a', muchLaterExpiry, muchLater)).toBe(false);
    });

    it('commits a large burst in bounded batches without losing an answer', async () => {
      const nonces = await ledger(backend, 64);
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => nonces.remember('k', `n${i % 700}`, later, now)));
      expect(answers.filter(Boolean)).toHaveLength(700);
      // The first of each pair was the fresh one.
      expect(answers.slice(0, 700).every(Boolean)).toBe(true);
    });

    it('still refuses a nonce after a purge while its window is open, and accepts it once it has passed', async () => {
      const nonces = await ledger(backend);
      expect(await nonces.remember('k', 'x', later, now)).toBe(true);
      await nonces.purge(new Date(now.getTime() + 60_000));
      expect(await nonces.remember('k', 'x', later, new Date(now.getTime() + 60_000))).toBe(false);
      const after = new Date(later.getTime() + 1);
      await nonces.purge(after);
      expect(await nonces.remember('k', 'x', new Date(after.getTime() + 15 * 60_000), after)).toBe(true);
    });
  });
}

describe('SqliteNonceLog (the embedded database)', () => {
  it('remembers the open window across a restart', async () => {
    const file = sqliteFile();
    const sqlite = await openSqlite(file);
    const before = await SqliteNonceLog.open(sqlite, now);
    expect(await before.remember('k', 'kept', later, now)).toBe(true);
    expect(await before.remember('k', 'short', new Date(now.getTime() + 1000), now)).toBe(true);
    await sqlite.db.destroy();

    const reopened = await track(openSqlite(file));
    const after = await SqliteNonceLog.open(reopened, new Date(now.getTime() + 5000));
    expect(after.size).toBe(1);
    expect(await after.remember('k', 'kept', later, new Date(now.getTime() + 5000))).toBe(false);
    expect(await after.remember('k', 'short', later, new Date(now.getTime() + 5000))).toBe(true);
  });

  it('lets only one of two processes on the same file accept a nonce', async () => {
    const file = sqliteFile();
    const a = await SqliteNonceLog.open(await track(openSqlite(file)), now);
    const b = await SqliteNonceLog.open(await track(openSqlite(file)), now);
    const nonces = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const answers = await Promise.all(nonces.flatMap((n) => [a.remember('k', n, later, now), b.remember('k', n, later, now)]));
    // Each nonce was offered to both: exactly one of the two said fresh.
    for (let i = 0; i < nonces.length; i++) expect([answers[2 * i], answers[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect(await a.remember('k', 'n0', later, now)).toBe(false);
    expect(await b.remember('k', 'n199', later, now)).toBe(false);
  });

  it('appends a row per batch in id order and keeps neither the log nor memory past the window', async () => {
    const file = sqliteFile();
    const sqlite = await track(openSqlite(file));
    const nonces = await SqliteNonceLog.open(sqlite, now);
    const soon = new Date(now.getTime() + 60_000);
    await Promise.all(Array.from({ length: 300 }, (_, i) => nonces.remember('k', `old${i}`, soon, now)));
    await Promise.all(Array.from({ length: 100 }, (_, i) => nonces.remember('k', `new${i}`, later, now)));
    expect((await logRows(sqlite)).map((r) => r.entries.length / ENTRY)).toEqual([300, 100]);
    await nonces.purge(new Date(soon.getTime() + 1));
    expect(await logNonces(sqlite)).toBe(100);
    expect(nonces.size).toBe(100);
    await nonces.purge(new Date(later.getTime() + 1));
    // Only the newest row stays, expired, as the high-water mark of ids.
    expect((await logRows(sqlite)).map((r) => r.id)).toEqual([2]);
    expect(nonces.size).toBe(0);
    // Ids never go back, so a nonce appended after everything expired is still seen by other processes.
    const other = await SqliteNonceLog.open(await track(openSqlite(file)), new Date(later.getTime() + 1));
    expect(await nonces.remember('k', 'again', new Date(later.getTime() + 15 * 60_000), new Date(later.getTime() + 2))).toBe(true);
    expect(await other.remember('k', 'again', new Date(later.getTime() + 15 * 60_000), new Date(later.getTime() + 3))).toBe(false);
    expect((await logRows(sqlite)).map((r) => r.id)).toEqual([2, 3]);
  });

  it('forgets expired nonces while it remembers new ones, a bounded number per batch', async () => {
    const sqlite = await track(openSqlite(sqliteFile()));
    const nonces = await SqliteNonceLog.open(sqlite, now);
    const soon = new Date(now.getTime() + 60_000);
    // Five batches of 60 that expire soon.
    for (let b = 0; b < 5; b++) await Promise.all(Array.from({ length: 60 }, (_, i) => nonces.remember('k', `old${b}-${i}`, soon, now)));
    const after = new Date(soon.getTime() + 1);
    const expiry = new Date(after.getTime() + 15 * 60_000);
    // With no purge, a batch of 100 forgets up to 200 expired nonces in memory, and two expired batches in the log.
    await Promise.all(Array.from({ length: 100 }, (_, i) => nonces.remember('k', `a${i}`, expiry, after)));
    expect(nonces.size).toBe(200);
    expect((await logRows(sqlite)).map((r) => r.entries.length / ENTRY)).toEqual([60, 60, 60, 100]);
    await Promise.all(Array.from({ length: 100 }, (_, i) => nonces.remember('k', `b${i}`, expiry, after)));
    expect(nonces.size).toBe(200);
    expect((await logRows(sqlite)).map((r) => r.entries.length / ENTRY)).toEqual([60, 100, 100]);
    expect(await nonces.remember('k', 'a0', expiry, after)).toBe(false);
    // A restart rebuilds the same window from what is left of the log.
    const reopened = await SqliteNonceLog.open(sqlite, after);
    expect(reopened.size).toBe(200);
    expect(await reopened.remember('k', 'b99', expiry, after)).toBe(false);
    expect(await reopened.remember('k', 'old4-0', expiry, after)).toBe(true);
  });

  it('refuses requests as unavailable once its window is full, and takes them again as it empties', async () => {
    const nonces = await SqliteNonceLog.open(await track(openSqlite(sqliteFile())), now, { maxWindow: 10 });
    const soon = new Date(now.getTime() + 1000);
    expect(await Promise.all(Array.from({ length: 10 }, (_, i) => nonces.remember('k', `n${i}`, soon, now)))).toEqual(Array(10).fill(true));
    await expect(nonces.remember('k', 'one-too-many', soon, now)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/replay window/) });
    // Nothing was written for the refused request, and the window still holds the others.
    expect(await nonces.remember('k', 'n0', soon, now)).toBe(false);
    const after = new Date(soon.getTime() + 1);
    expect(await nonces.remember('k', 'one-too-many', new Date(after.getTime() + 1000), after)).toBe(true);
  });

  it('carries the open window over from a database made before the log existed', async () => {
    const file = sqliteFile();
    const old = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('0004-upload-events');
    await old.insertInto('nonces').values({ key_id: 'k', nonce: 'before-upgrade', expires_at: later.toISOString() }).execute();
    await old.destroy();

    const nonces = await SqliteNonceLog.open(await track(openSqlite(file)), now);
    expect(await nonces.remember('k', 'before-upgrade', later, now)).toBe(false);
    expect(await nonces.remember('k', 'after-upgrade', later, now)).toBe(true);
  });

  it('carries the open window over from a log kept a row per nonce', async () => {
    const file = sqliteFile();
    const old = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('0012-event-sent');
    const rows = Array.from({ length: 12_345 }, (_, i) => ({ key_id: `k${i % 3}`, nonce: `n${i}`, expires_at: (i % 2 === 0 ? later : now).toISOString() }));
    for (let i = 0; i < rows.length; i += 1000) await sql`INSERT INTO nonce_log (key_id, nonce, expires_at) VALUES ${sql.join(rows.slice(i, i + 1000).map((r) => sql`(${r.key_id}, ${r.nonce}, ${r.expires_at})`))}`.execute(old);
    await old.destroy();

    const sqlite = await track(openSqlite(file));
    const soon = new Date(now.getTime() + 1);
    const nonces = await SqliteNonceLog.open(sqlite, soon);
    // The odd ones expired at `now`; the even ones are still open.
    expect(nonces.size).toBe(6173);
    expect(await logNonces(sqlite)).toBe(12_345);
    const answers = await Promise.all([0, 1, 12_344, 12_343].map((i) => nonces.remember(`k${i % 3}`, `n${i}`, later, soon)));
    expect(answers).toEqual([false, true, false, true]);
  });
});
