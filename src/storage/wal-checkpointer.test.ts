import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WalCheckpointer } from './wal-checkpointer.js';

/** 200 one-row commits of 8 KiB each, in 10 rounds with a pause between them; returns the log's size. */
async function writeInRounds(file: string, checkpointer: boolean): Promise<number> {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x BLOB)');
  const background = checkpointer ? new WalCheckpointer(file, 10) : undefined;
  await background?.ready();
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 20; i++) insert.run(Buffer.alloc(8192, i));
    await sleep(150);
  }
  const size = statSync(`${file}-wal`).size;
  expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 200 });
  background?.stop();
  db.close();
  return size;
}

describe('WalCheckpointer', () => {
  it('checkpoints in the background, so the log restarts instead of growing with every commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-'));
    const without = await writeInRounds(join(dir, 'without.db'), false);
    const withBackground = await writeInRounds(join(dir, 'with.db'), true);
    // Without checkpoints the log holds all 200 commits (≥ 3 pages each); with them, about one round's.
    expect(without).toBeGreaterThan(200 * 3 * 4096);
    expect(withBackground).toBeLessThan(without / 3);
  });
});
