import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { signedQuery } from '../test/support/raw-rpc.js';
import { looks as L, makeClip } from '../test/support/clips.js';
import { popClient, waitForJob, type Credentials, type ServerProcess } from '../test/support/service.js';

export interface LoadRound {
  readonly bare: autocannon.Result;
  readonly api: autocannon.Result;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  /** Alternating bare/API pairs: this machine's neighbours come and go, so one pair proves little. */
  readonly rounds: number;
}

/**
 * Signed ListAIImageInfo calls (signature V1, a fresh nonce each, so each is verified and recorded for
 * replay protection) against `endpoint`, next to a bare Fastify route returning a constant JSON body, in
 * the same run with the same tool, connections and freshly signed requests (the bare route ignores the
 * query, so the load generator does the same signing work for both). Loopback only, bounded in time.
 */
export async function compareWithBareRoute(endpoint: string, credentials: Credentials, video: string, options: LoadOptions): Promise<LoadRound[]> {
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
      autocannon({ url, connections: options.connections, duration, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: signed() }) }] });
    // Warm both up (JIT, connection pools, caches), then alternate: bare, API, bare, API…
    await load(bareUrl, 3);
    await load(endpoint, 3);
    const rounds: LoadRound[] = [];
    for (let i = 0; i < options.rounds; i++) rounds.push({ bare: await load(bareUrl, options.seconds), api: await load(endpoint, options.seconds) });
    return rounds;
  } finally {
    bare.kill();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Every round, then the medians: the API's throughput as a share of the bare route's, and its p99. */
export function loadTable(rounds: readonly LoadRound[], apiName: string): string {
  const ratio = (r: LoadRound) => r.api.requests.average / r.bare.requests.average;
  const row = (i: number, r: LoadRound) =>
    `| ${i + 1} | ${r.bare.requests.average.toFixed(0)} | ${r.bare.latency.p99} | ${r.api.requests.average.toFixed(0)} | ${r.api.latency.p50} | ${r.api.latency.p99} | ${(ratio(r) * 100).toFixed(0)} % | ${r.bare.non2xx + r.api.non2xx} / ${r.bare.errors + r.api.errors} |`;
  return `| round | bare req/s | bare p99 ms | API req/s | API p50 ms | API p99 ms | API ÷ bare | non-2xx / errors |
|---|---|---|---|---|---|---|---|
${rounds.map((r, i) => row(i, r)).join('\n')}
| **median** | ${median(rounds.map((r) => r.bare.requests.average)).toFixed(0)} | ${median(rounds.map((r) => r.bare.latency.p99))} | ${median(rounds.map((r) => r.api.requests.average)).toFixed(0)} | ${median(rounds.map((r) => r.api.latency.p50))} | ${median(rounds.map((r) => r.api.latency.p99))} | ${(median(rounds.map(ratio)) * 100).toFixed(0)} % | |

${apiName}: median ${(median(rounds.map(ratio)) * 100).toFixed(0)} % of the bare route's throughput (rounds ${Math.min(...rounds.map(ratio)) * 100 | 0}–${Math.max(...rounds.map(ratio)) * 100 | 0} %), median p99 ${median(rounds.map((r) => r.api.latency.p99))} ms (worst ${Math.max(...rounds.map((r) => r.api.latency.p99))} ms).`;
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
