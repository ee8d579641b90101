import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { signedQuery } from '../test/support/raw-rpc.js';
import { looks as L, makeClip } from '../test/support/clips.js';
import { popClient, waitForJob, type Credentials, type ServerProcess } from '../test/support/service.js';

export interface LoadResult {
  readonly bare: autocannon.Result;
  readonly api: autocannon.Result;
}

/**
 * Signed ListAIImageInfo calls (signature V1, a fresh nonce each, so each is verified and recorded for
 * replay protection) against `endpoint`, next to a bare Fastify route returning a constant JSON body, in
 * the same run with the same tool, connections and freshly signed requests (the bare route ignores the
 * query, so the load generator does the same signing work for both). Loopback only, bounded in time.
 */
export async function compareWithBareRoute(endpoint: string, credentials: Credentials, video: string, seconds: number, connections: number): Promise<LoadResult> {
  const bare: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', `
    import Fastify from 'fastify';
    const app = Fastify();
    const body = { RequestId: 'B2E5F2E4-0000-4000-8000-000000000000', AIImageInfoList: [] };
    app.get('/', async () => body);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(address);
  `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const bareUrl = await new Promise<string>((resolve) => bare.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d.trim())));
    const signed = () => `/?${signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video })}`;
    const load = (url: string, duration: number) =>
      autocannon({ url, connections, duration, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: signed() }) }] });
    // Warm both up (JIT, connection pools, caches), then bare first, then the API.
    await load(bareUrl, 3);
    await load(endpoint, 3);
    const bareResult = await load(bareUrl, seconds);
    const apiResult = await load(endpoint, seconds);
    return { bare: bareResult, api: apiResult };
  } finally {
    bare.kill();
  }
}

export function loadTable(result: LoadResult, apiName: string): string {
  const row = (name: string, r: autocannon.Result) =>
    `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} | ${r.errors} |`;
  const ratio = result.api.requests.average / result.bare.requests.average;
  return `| target | requests/s | p50 ms | p99 ms | non-2xx | errors |
|---|---|---|---|---|---|
${row('bare Fastify route, constant JSON', result.bare)}
${row(apiName, result.api)}

${apiName} reaches ${(ratio * 100).toFixed(0)} % of the bare route's throughput; p99 ${result.api.latency.p99} ms.`;
}

/** A video with a PNG and a GIF job done: 6 covers. */
export async function videoWithCovers(server: ServerProcess): Promise<{ id: string; covers: number }> {
  const client = popClient(server);
  const imported = await server.cli(['videos', 'import', await makeClip('bench-api.mp4', [L.testsrc(3), L.mandelbrot(3), L.bars(3), L.gradient(3), L.life(3)], { gop: 25 }), '--json']);
  const id = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
  for (const template of ['00000000000000000000000000000001', '00000000000000000000000000000002']) {
    const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: id, AITemplateId: template })) as { JobId: string };
    await waitForJob(client, JobId);
  }
  const covers = ((await client.request('ListAIImageInfo', { VideoId: id })) as { AIImageInfoList: unknown[] }).AIImageInfoList.length;
  return { id, covers };
}
