/**
 * npm run bench:gateway [-- --requests N --rounds N]
 *
 * The RPC gateway's own cost per signed call, in-process: no HTTP, no database. Signed V1 ListAIImageInfo
 * queries, made before the timing, go through Gateway.handle in batches of 64 (one event-loop turn's worth
 * at bench:api's 64 connections), with the real renderer and metrics, a cached key, an action answering from
 * a kept list of 6 covers, and replay protection that accepts every nonce (bench:nonces measures that).
 * Then, in the same run, the V1 path's parts one by one on the same queries, as shares of the whole.
 *
 * Why: on a shared 2-CPU host bench:api's rounds vary by a quarter from one to the next, so a change of a
 * few per cent to the hot path is lost there; this times only our code (compare two commits with a
 * `git worktree` of the other one, run alternately).
 */
import { parseArgs } from 'node:util';
import type { AccessKey } from '../src/covers/model.js';
import { checkTimestamp, Gateway } from '../src/api/rpc/gateway.js';
import { SuccessRenderer } from '../src/api/rpc/render.js';
import { hmacKeys, sameSignature, signV1, stringToSignV1 } from '../src/api/rpc/signature.js';
import { Metrics } from '../src/ops/metrics.js';
import { signedQuery } from '../test/support/raw-rpc.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const key: AccessKey = { id: 'SCBENCHGATEWAY00000000000', secret: 'bench-secret-0123456789abcdef', accountId: 'bench', status: 'Active', createdAt: new Date() };
const found = Promise.resolve(key);
const metrics = new Metrics();
const fields = {
  AIImageInfoList: Array.from({ length: 6 }, (_, i) => ({
    AIImageInfoId: `${i}`.padStart(32, 'a'), JobId: 'b'.repeat(32), VideoId: 'c'.repeat(32), Score: '5.03', Version: 'v1', Type: 'Cover',
    FileURL: `http://127.0.0.1:8080/${'c'.repeat(32)}/image/ai/${'b'.repeat(32)}-0000${i + 1}.png?auth_key=1765000000-0-0-${'d'.repeat(32)}`,
    CreationTime: '2026-12-08T00:00:00Z',
  })),
};
const queries = Array.from({ length: requests }, () => signedQuery({ AccessKeyId: key.id, AccessKeySecret: key.secret }, { Action: 'ListAIImageInfo', VideoId: 'c'.repeat(32) }));
// The clock stands still a second after the signing, so no round runs past the 15-minute window.
const now = new Date(Date.now() + 1000);
const gateway = new Gateway({
  findAccessKey: () => found,
  rememberNonce: () => Promise.resolve(true),
  actions: new Map([['ListAIImageInfo', { name: 'ListAIImageInfo', handle: () => Promise.resolve(fields) }]]),
  clock: { now: () => now },
  rateLimit: () => 0,
  hostId: 'bench', recommendBase: 'https://example.com/errors', maxParameters: 200, publicUrl: '', log: console as never,
  observe: (action, code, seconds) => metrics.rpc(action, code, seconds),
});
const headers = { host: '127.0.0.1:8080', 'user-agent': 'wrk' };
const EMPTY = Buffer.alloc(0);

/** ns per request through Gateway.handle, 64 at a time. */
async function handleAll(): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < queries.length; i += 64) {
    const batch = [];
    for (let j = i; j < Math.min(queries.length, i + 64); j++) {
      batch.push(gateway.handle({ id: 'B2E5F2E4-0000-4000-8000-000000000000', method: 'GET', rawQuery: queries[j]!, rawBody: EMPTY, headers, distinctHeaders: () => ({}) }));
    }
    const answers = await Promise.all(batch);
    if (answers[0]!.status !== 200) throw new Error(`the gateway refused a benchmark request: ${answers[0]!.body}`);
  }
  return Number(process.hrtime.bigint() - started) / queries.length;
}

/** ns per call of `part` over every query. */
function time(part: (query: string, i: number) => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < queries.length; i++) part(queries[i]!, i);
  return Number(process.hrtime.bigint() - started) / queries.length;
}

await handleAll(); // warm-up
const whole: number[] = [];
for (let r = 0; r < rounds; r++) whole.push(await handleAll());

// The parts' inputs are made after the whole's rounds: a million pair arrays in the old generation made
// its collections, and so the whole's rounds, slower and more variable.
const pairs = queries.map((q) => [...new URLSearchParams(q)]);
const keys = hmacKeys(key.secret);
const toSign = pairs.map((p) => stringToSignV1('GET', p));
const signatures = pairs.map((p) => p.find(([k]) => k === 'Signature')![1]);
const timestamp = `${now.toISOString().slice(0, 19)}Z`;
const renderer = new SuccessRenderer();
const parts: [string, (query: string, i: number) => unknown][] = [
  ['string to sign (V1)', (_q, i) => stringToSignV1('GET', pairs[i]!)],
  ['HMAC-SHA1', (_q, i) => signV1(keys, toSign[i]!)],
  ['constant-time compare', (_q, i) => sameSignature(signatures[i]!, signatures[i]!)],
  ['timestamp check', () => checkTimestamp(timestamp, now)],
  ['JSON answer', () => renderer.render('JSON', 'ListAIImageInfo', 'B2E5F2E4-0000-4000-8000-000000000000', fields)],
  ['metrics', () => metrics.rpc('ListAIImageInfo', 'OK', 0.001)],
];
for (const [, part] of parts) time(part);
const each = parts.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) parts.forEach(([, part], i) => each[i]!.push(time(part)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const gatewayNs = median(whole);
console.log(`Gateway benchmark — ${new Date().toISOString().slice(0, 10)}, ${requests} signed ListAIImageInfo calls (V1) per round, ${rounds} rounds, medians

| | ns per request | share of the gateway |
|---|---|---|
| Gateway.handle, whole (rounds ${Math.min(...whole).toFixed(0)}–${Math.max(...whole).toFixed(0)}) | ${gatewayNs.toFixed(0)} | 100 % |
${parts.map(([name], i) => `| ${name} | ${median(each[i]!).toFixed(0)} | ${((100 * median(each[i]!)) / gatewayNs).toFixed(0)} % |`).join('\n')}

The rest of the whole: parsing the query, the parameter checks, the awaits and the answer's object.`);
