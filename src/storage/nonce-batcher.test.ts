import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NonceBatcher } from './nonce-batcher.js';
import { openSqlite } from './open-sqlite.js';

describe('NonceBatcher (group-committed replay protection)', () => {
  it('tells a fresh nonce from a replay, within one batch and across batches, per key', async () => {
    const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'nonces-')), 'n.db'));
    const nonces = new NonceBatcher(db);
    const now = new Date('2026-01-01T00:00:00Z');
    const later = new Date(now.getTime() + 15 * 60_000);
    // Same tick: one batch. The same nonce twice in it is fresh once.
    const first = await Promise.all([
      nonces.remember('k1', 'a', later, now), nonces.remember('k1', 'a', later, now),
      nonces.remember('k1', 'b', later, now), nonces.remember('k2', 'a', later, now),
    ]);
    expect(first).toEqual([true, false, true, true]);
    // A later batch: committed nonces are replays.
    expect(await nonces.remember('k1', 'a', later, now)).toBe(false);
    expect(await nonces.remember('k1', 'c', later, now)).toBe(true);
    // Once an entry has expired, its nonce may be used again.
    const muchLater = new Date(later.getTime() + 1000);
    expect(await nonces.remember('k1', 'a', new Date(muchLater.getTime() + 15 * 60_000), muchLater)).toBe(true);
    const rows = await db.selectFrom('nonces').selectAll().execute();
    expect(rows).toHaveLength(4);
    await db.destroy();
  });

  it('commits a large burst in bounded batches without losing an answer', async () => {
    const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'nonces-')), 'n.db'));
    const nonces = new NonceBatcher(db, 64);
    const now = new Date();
    const expires = new Date(now.getTime() + 60_000);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => nonces.remember('k', `n${i % 700}`, expires, now)));
    expect(answers.filter(Boolean)).toHaveLength(700);
    await db.destroy();
  });
});
