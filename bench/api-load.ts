import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signedQuery } from '../test/support/raw-rpc.js';
import { looks as L, makeClip } from '../test/support/clips.js';
import { popClient, waitForJob, type Credentials, type ServerProcess } from '../test/support/service.js';
import { cpuRates } from './cpu-speed.js';

/** One target's figures from one wrk run. */
export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU time the target's process spent per request served, µs (steadier than rates on a busy machine). */
  readonly cpuUs: number;
}

export interface LoadRound {
  /** The load generator against a server that answers every request with one constant buffer. */
  readonly ceiling: LoadResult;
  readonly bare: LoadResult;
  readonly api: LoadResult;
  /**
   * The slowest CPU's speed just before and just after the API's round, as a share of the fastest any CPU
   * ran in the whole run (cpu-speed.ts); undefined where it could not be measured.
   */
  readonly slowestCpu: number | undefined;
  /** What the API server measured inside itself during its round, when asked for (server-latency.cjs). */
  readonly inside?: ServerLatency | undefined;
}

/** One round as the API server saw it (bench/server-latency.cjs). */
export interface ServerLatency {
  readonly requests: number;
  /** From the request's head parsed to its answer handed to the kernel. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly gcPauses: number;
  /** Of them, full collections (mark-compact): more than a few a round means something drives the old generation's limit. */
  readonly fullGcs: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  /** Turns of the event loop over 8 ms, and their time together. */
  readonly longTurns: number;
  readonly longTurnsMs: number;
  /** How long the server's main thread ran, and waited for a CPU, over the round (schedstat). */
  readonly ranMs: number;
  readonly waitedMs: number;
}

/** Brackets the API's round: `start` just before it, `stop` just after, with what the server measured. */
export interface InsideProbe {
  start(): void;
  stop(): Promise<ServerLatency>;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  /** Alternating ceiling/bare/API triples: this machine's neighbours come and go, so one proves little. */
  readonly rounds: number;
  readonly inside?: InsideProbe | undefined;
}

/**
 * A server that does next to nothing per request: it counts the ends of request heads on each socket and
 * writes that many copies of one canned response (every request here is a GET without a body). What the
 * load generator reaches against it is the generator's own ceiling.
 */
const CEILING_SERVER = `
  import net from 'node:net';
  const body = '{"RequestId":"B2E5F2E4-0000-4000-8000-000000000000","AIImageInfoList":[]}';
  const response = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + body.length + '\\r\\nkeep-alive: timeout=72\\r\\n\\r\\n' + body);
  const server = net.createServer((socket) => {
    let tail = '';
    socket.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      let n = 0;
      for (let at = text.indexOf('\\r\\n\\r\\n'); at >= 0; at = text.indexOf('\\r\\n\\r\\n', at + 4)) n++;
      tail = text.slice(-3);
      if (n > 0) socket.write(n === 1 ? response : Buffer.concat(Array(n).fill(response)));
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
`;

/** The bare route: Fastify answering a constant JSON body, no parsing, no signature, no database. */
const BARE_SERVER = `
  import Fastify from 'fastify';
  const app = Fastify();
  const body = { RequestId: 'B2E5F2E4-0000-4000-8000-000000000000', AIImageInfoList: [] };
  app.get('/', async () => body);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(address);
`;

/**
 * Signed ListAIImageInfo calls (signature V1, a fresh nonce each, so each is verified and recorded for
 * replay protection) against `endpoint`, next to the bare Fastify route and the ceiling server, each in a
 * process of its own, in the same run with the same generator, connections and requests.
 *
 * The generator is wrk (C, one thread; `apt-get install wrk`): autocannon, in JavaScript, topped out near
 * 14 k req/s here when it cycled through a list of paths, below the bare route. Every request is signed
 * before its round, so nothing is signed while the round is measured; the API's pool is sized from its
 * warm-up rate with room to spare and never reused (a reused nonce would be refused and show as non-2xx).
 * The ceiling and the bare route ignore the query and cycle through one shared pool. Loopback only,
 * bounded in time.
 */
export async function compareWithBareRoute(endpoint: string, apiPid: number, credentials: Credentials, video: string, options: LoadOptions): Promise<LoadRound[]> {
  const ceiling = startNode(CEILING_SERVER);
  const bare = startNode(BARE_SERVER);
  const dir = mkdtempSync(join(tmpdir(), 'smartcover-bench-load-'));
  try {
    const [ceilingUrl, bareUrl] = await Promise.all([ceiling.url, bare.url]);
    let files = 0;
    const sign = (count: number): string => {
      const file = join(dir, `paths-${files++}.txt`);
      let text = '';
      for (let i = 0; i < count; i++) text += `/?${signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video })}\n`;
      writeFileSync(file, text);
      return file;
    };
    const pids = new Map([[ceilingUrl, ceiling.child.pid!], [bareUrl, bare.child.pid!], [endpoint, apiPid]]);
    const load = async (url: string, paths: string, seconds: number): Promise<LoadResult> => {
      const before = cpuSeconds(pids.get(url)!);
      const result = await wrk(url, paths, seconds, options.connections);
      return { ...result, cpuUs: ((cpuSeconds(pids.get(url)!) - before) * 1e6) / (result.rps * seconds) };
    };
    const shared = sign(200_000);
    // Warm every target up (JIT, connection pools, caches); the API's warm-up rate sizes its pools.
    await load(ceilingUrl, shared, 3);
    await load(bareUrl, shared, 3);
    let apiRate = (await load(endpoint, sign(150_000), 3)).rps;
    const rounds: Omit<LoadRound, 'slowestCpu'>[] = [];
    const cpuSamples: number[][] = [];
    for (let i = 0; i < options.rounds; i++) {
      const ceilingResult = await load(ceilingUrl, shared, options.seconds);
      const bareResult = await load(bareUrl, shared, options.seconds);
      // Enough for the fastest the API has been, or the bare route just was (a noisy warm-up must not
      // leave the pool short: a reused nonce is refused and shows as non-2xx).
      const pool = sign(Math.ceil(Math.max(apiRate, bareResult.rps) * options.seconds * 1.3) + 1000);
      const before = await cpuRates();
      options.inside?.start();
      const api = await load(endpoint, pool, options.seconds);
      const round = { ceiling: ceilingResult, bare: bareResult, api, inside: await options.inside?.stop() };
      cpuSamples.push([...before, ...(await cpuRates())]);
      apiRate = Math.max(apiRate, round.api.rps);
      rmSync(pool);
      rounds.push(round);
    }
    const fastest = Math.max(...cpuSamples.flat());
    return rounds.map((round, i) => ({ ...round, slowestCpu: cpuSamples[i]!.length === 0 ? undefined : Math.min(...cpuSamples[i]!) / fastest }));
  } finally {
    ceiling.child.kill();
    bare.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WRK_SCRIPT = new URL('./wrk-requests.lua', import.meta.url).pathname;

/** User + system CPU of a process so far, seconds (from /proc, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function wrk(url: string, paths: string, seconds: number, connections: number): Promise<Omit<LoadResult, 'cpuUs'>> {
  const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', WRK_SCRIPT, url, '--', paths], { maxBuffer: 1 << 20 })
    .catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new Error('bench:api needs wrk, the HTTP load generator: apt-get install wrk') : error;
    });
  const line = stdout.trim().split('\n').at(-1)!;
  const r = JSON.parse(line) as { requests: number; duration_us: number; p50_us: number; p99_us: number; non2xx: number; errors: number };
  return { rps: r.requests / (r.duration_us / 1e6), p50Ms: r.p50_us / 1000, p99Ms: r.p99_us / 1000, non2xx: r.non2xx, errors: r.errors };
}

function startNode(source: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (code) => reject(new Error(`a benchmark server exited with ${code}`)));
  });
  return { child, url };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Milliseconds as the tables show them. */
const ms = (v: number): string => v.toFixed(1);

/** Every round, then the medians: the API's throughput as a share of the bare route's, and its p99. */
export function loadTable(rounds: readonly LoadRound[], apiName: string): string {
  const ratio = (r: LoadRound) => r.api.rps / r.bare.rps;
  // What the API would serve if it had the CPU the bare route has: bare CPU per request ÷ the API's.
  const cpuRatio = (r: LoadRound) => r.bare.cpuUs / r.api.cpuUs;
  const speed = (r: LoadRound) => (r.slowestCpu === undefined ? '–' : `${(r.slowestCpu * 100).toFixed(0)} %`);
  const row = (i: number, r: LoadRound) =>
    `| ${i + 1} | ${speed(r)} | ${r.ceiling.rps.toFixed(0)} | ${r.bare.rps.toFixed(0)} | ${ms(r.bare.p99Ms)} | ${r.api.rps.toFixed(0)} | ${ms(r.api.p50Ms)} | ${ms(r.api.p99Ms)} | ${(ratio(r) * 100).toFixed(0)} % | ${r.bare.cpuUs.toFixed(0)} | ${r.api.cpuUs.toFixed(0)} | ${(cpuRatio(r) * 100).toFixed(0)} % | ${r.bare.non2xx + r.api.non2xx} / ${r.bare.errors + r.api.errors} |`;
  const m = (f: (r: LoadRound) => number) => median(rounds.map(f));
  // Rounds the host left alone: both CPUs at 90 % of full speed or more around the API's round.
  const steady = rounds.filter((r) => r.slowestCpu !== undefined && r.slowestCpu >= 0.9);
  const steadyLine =
    steady.length === 0
      ? 'No round had both CPUs at ≥ 90 % of full speed around the API’s round.'
      : `In the ${steady.length} of ${rounds.length} rounds with both CPUs at ≥ 90 % of full speed around the API’s round: median ${(median(steady.map(ratio)) * 100).toFixed(0)} % of the bare route, median p99 ${ms(median(steady.map((r) => r.api.p99Ms)))} ms.`;
  return `| round | slowest CPU | ceiling req/s | bare req/s | bare p99 ms | API req/s | API p50 ms | API p99 ms | API ÷ bare | bare CPU µs/req | API CPU µs/req | bare ÷ API CPU | non-2xx / errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rounds.map((r, i) => row(i, r)).join('\n')}
| **median** | | ${m((r) => r.ceiling.rps).toFixed(0)} | ${m((r) => r.bare.rps).toFixed(0)} | ${ms(m((r) => r.bare.p99Ms))} | ${m((r) => r.api.rps).toFixed(0)} | ${ms(m((r) => r.api.p50Ms))} | ${ms(m((r) => r.api.p99Ms))} | ${(m(ratio) * 100).toFixed(0)} % | ${m((r) => r.bare.cpuUs).toFixed(0)} | ${m((r) => r.api.cpuUs).toFixed(0)} | ${(m(cpuRatio) * 100).toFixed(0)} % | |

The generator's ceiling (a server answering from one constant buffer) is ${m((r) => r.ceiling.rps / r.bare.rps).toFixed(1)}× the bare route's rate.
${apiName}: median ${(m(ratio) * 100).toFixed(0)} % of the bare route's throughput (rounds ${Math.min(...rounds.map(ratio)) * 100 | 0}–${Math.max(...rounds.map(ratio)) * 100 | 0} %), median p99 ${ms(m((r) => r.api.p99Ms))} ms (worst ${ms(Math.max(...rounds.map((r) => r.api.p99Ms)))} ms).
${steadyLine}`;
}

/** The rounds as the API server measured them inside itself (--server-latency), next to wrk's p99; '' without. */
export function insideTable(rounds: readonly LoadRound[]): string {
  const insideRounds = rounds.filter((r) => r.inside !== undefined);
  if (insideRounds.length === 0) return '';
  const row = (i: number, x: ServerLatency, wrkP99: number) =>
    `| ${i + 1} | ${x.requests} | ${ms(x.p50Ms)} | ${ms(x.p99Ms)} | ${ms(wrkP99)} | ${x.gcPauses} | ${x.fullGcs} | ${x.gcMs.toFixed(0)} | ${ms(x.gcMaxMs)} | ${x.longTurns} | ${x.longTurnsMs.toFixed(0)} | ${x.ranMs.toFixed(0)} | ${x.waitedMs.toFixed(0)} |\n`;
  const m = (f: (x: ServerLatency) => number) => median(insideRounds.map((r) => f(r.inside!)));
  return `\n\nInside the API server (\`--server-latency\`: from the request's head parsed to its answer handed to the kernel; the collector's pauses, and how many were full collections; the event loop's turns over 8 ms; how long its main thread ran and waited for a CPU), next to what wrk measured:

| round | requests | server p50 ms | server p99 ms | wrk p99 ms | GC pauses | full GCs | GC ms | longest pause ms | turns > 8 ms | their ms | thread ran ms | thread waited ms |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rounds.map((r, i) => (r.inside === undefined ? '' : row(i, r.inside, r.api.p99Ms))).join('')}| **median** | | ${ms(m((x) => x.p50Ms))} | ${ms(m((x) => x.p99Ms))} | ${ms(median(insideRounds.map((r) => r.api.p99Ms)))} | | ${m((x) => x.fullGcs)} | ${m((x) => x.gcMs).toFixed(0)} | | ${m((x) => x.longTurns)} | ${m((x) => x.longTurnsMs).toFixed(0)} | ${m((x) => x.ranMs).toFixed(0)} | ${m((x) => x.waitedMs).toFixed(0)} |`;
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
