/**
 * npm run bench:nonces [-- --nonces N --window N]
 *
 * What replay protection costs per request on the embedded database, by batch size: a batch is the
 * nonces of the requests that arrive in one event-loop turn, so a lightly loaded server writes batches of
 * one and a busy one batches of dozens. Each row remembers N fresh nonces through SqliteNonceLog, awaiting
 * each batch as the gateway does, in a fresh database file.
 *
 * Then the in-memory window alone (NonceWindow), filled with --window ids from its default size: the
 * time per id, and the longest single call, which is what a request waits when it lands on a growth.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NonceWindow } from '../src/storage/nonce-window.js';
import { openSqlite } from '../src/storage/open-sqlite.js';
import { SqliteNonceLog } from '../src/storage/sqlite-nonce-log.js';

const { values } = parseArgs({ options: { nonces: { type: 'string', default: '40000' }, window: { type: 'string', default: '4000000' } } });
const total = Number(values.nonces);
const rows: string[] = [];
for (const size of [1, 4, 16, 64]) {
  const sqlite = await openSqlite(join(mkdtempSync(join(tmpdir(), 'smartcover-bench-nonces-')), 'n.db'));
  const log = await SqliteNonceLog.open(sqlite, new Date());
  const started = process.hrtime.bigint();
  for (let done = 0; done < total; done += size) {
    const now = new Date();
    const expires = new Date(now.getTime() + 15 * 60_000);
    await Promise.all(Array.from({ length: size }, () => log.remember('SCbenchkey', randomUUID(), expires, now)));
  }
  const micros = Number(process.hrtime.bigint() - started) / 1e3 / total;
  rows.push(`| ${size} | ${micros.toFixed(1)} | ${(micros * size).toFixed(1)} |`);
  await sqlite.db.destroy();
}
console.log(`Replay protection on SQLite — ${total} nonces per batch size

| nonces per batch | µs per nonce | µs per batch |
|---|---|---|
${rows.join('\n')}`);

// The ids are made as they go: an array of millions of strings would make every full collection in this
// process long, and those pauses would land in the calls measured.
const windowIds = Number(values.window);
const window = new NonceWindow();
const longest: { at: number; ms: number }[] = [];
const started = performance.now();
for (let i = 0; i < windowIds; i++) {
  const id = `SCbenchkey\u0000${i.toString(36)}-${(i * 2654435761) >>> 0}`;
  const before = performance.now();
  window.set(id, 1e12 + i);
  const ms = performance.now() - before;
  if (longest.length < 5 || ms > longest[4]!.ms) {
    longest.push({ at: i, ms });
    longest.sort((a, b) => b.ms - a.ms);
    longest.length = Math.min(longest.length, 5);
  }
}
const perId = ((performance.now() - started) * 1000) / windowIds;
console.log(`
The window in memory — ${windowIds} ids remembered one by one

| µs per id | longest single call | the five longest (ms, at the n-th id) |
|---|---|---|
| ${perId.toFixed(2)} | ${longest[0]!.ms.toFixed(1)} ms | ${longest.map((l) => `${l.ms.toFixed(1)} at ${l.at}`).join(', ')} |`);
