/**
 * npm run bench:nonces [-- --nonces N]
 *
 * What replay protection costs per request on the embedded database, by batch size: a batch is the
 * nonces of the requests that arrive in one event-loop turn, so a lightly loaded server writes batches of
 * one and a busy one batches of dozens. Each row remembers N fresh nonces through SqliteNonceLog, awaiting
 * each batch as the gateway does, in a fresh database file.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../src/storage/open-sqlite.js';
import { SqliteNonceLog } from '../src/storage/sqlite-nonce-log.js';

const { values } = parseArgs({ options: { nonces: { type: 'string', default: '40000' } } });
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
