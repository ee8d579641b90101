/**
 * npm run bench:api [-- --seconds N --connections N]
 *
 * Throughput and latency of signed ListAIImageInfo calls (signature V1, a unique nonce each, so every call
 * is verified and recorded for replay protection) against a video with 6 covers, served by one
 * `smartcover serve` process; next to a bare Fastify route returning a constant JSON body, in the same
 * run, with the same load tool (autocannon), the same connections and the same freshly signed requests.
 * Loopback only, bounded in time.
 * The per-key rate limit is switched off for the run (SMARTCOVER_RATE_LIMIT=0): it is what is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { looks as L, makeClip } from '../test/support/clips.js';
import { signedQuery } from '../test/support/raw-rpc.js';
import { popClient, ServerProcess, waitForJob } from '../test/support/service.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);

process.env['SMARTCOVER_TEST_DIR'] = mkdtempSync(join(tmpdir(), 'smartcover-bench-api-'));
const server = await ServerProcess.start({ SMARTCOVER_RATE_LIMIT: '0', SMARTCOVER_LOG_LEVEL: 'warn' });
const client = popClient(server);
const credentials = server.credentials();
const imported = await server.cli(['videos', 'import', await makeClip('bench-api.mp4', [L.testsrc(3), L.mandelbrot(3), L.bars(3), L.gradient(3), L.life(3)], { gop: 25 }), '--json']);
const video = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
for (const template of ['00000000000000000000000000000001', '00000000000000000000000000000002']) {
  const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: template })) as { JobId: string };
  await waitForJob(client, JobId);
}
const covers = ((await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: unknown[] }).AIImageInfoList.length;

const bare: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', `
  import Fastify from 'fastify';
  const app = Fastify();
  const body = { RequestId: 'B2E5F2E4-0000-4000-8000-000000000000', AIImageInfoList: [] };
  app.get('/', async () => body);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(address);
`], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
const bareUrl = await new Promise<string>((resolve) => bare.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d.trim())));

async function load(url: string, path: () => string): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] });
}

// Both targets get the very same requests, freshly signed each time, so that the load generator does the
// same work in both runs (the bare route ignores the query). Warm up, then bare first, then the API.
const signed = () => `/?${signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video })}`;
await load(bareUrl, signed).then(() => undefined);
const bareResult = await load(bareUrl, signed);
const apiResult = await load(server.endpoint, signed);
bare.kill();
await server.stop();

const row = (name: string, r: autocannon.Result) =>
  `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} | ${r.errors} |`;
const ratio = apiResult.requests.average / bareResult.requests.average;
console.log(`API benchmark — ${new Date().toISOString().slice(0, 10)}, ${connections} connections, ${seconds} s each, loopback, one server process (${covers} covers in the list)

| target | requests/s | p50 ms | p99 ms | non-2xx | errors |
|---|---|---|---|---|---|
${row('bare Fastify route, constant JSON', bareResult)}
${row('signed ListAIImageInfo (V1, unique nonces)', apiResult)}

ListAIImageInfo reaches ${(ratio * 100).toFixed(0)} % of the bare route's throughput (target ≥ 50 %); p99 ${apiResult.latency.p99} ms (target < 10 ms).`);
