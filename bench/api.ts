/**
 * npm run bench:api [-- --seconds N --connections N --rounds N --cpu-prof DIR --node-args "…" --server-output FILE --server-latency]
 *
 * Throughput and latency of signed ListAIImageInfo calls against a video with 6 covers, served by one
 * `smartcover serve` process on the embedded SQLite, next to a bare Fastify route (see api-load.ts).
 * The per-key rate limit is switched off for the run (SMARTCOVER_RATE_LIMIT=0): it is what is measured.
 * Every request is signed before its round; the generator's own ceiling is measured beside (api-load.ts).
 * --cpu-prof DIR writes the API server's V8 CPU profile there (open it in Chrome's DevTools).
 * --node-args=… replaces the node options the server runs with (default: the installed command's #! line;
 * --node-args "" runs it with V8's defaults, to compare).
 * --server-latency adds, per round, the time requests spent inside the server, its GC pauses (and how many
 * were full collections), its event loop's turns over 8 ms and how long its main thread ran and waited for a
 * CPU (server-latency.cjs, preloaded into the server), next to wrk's p99: how much of the tail is the
 * server's, and whether a slow turn was its work or the host's.
 * --server-output FILE keeps what the server printed (with --node-args "--max-semi-space-size=64
 * --trace-gc-nvp", every scavenge's pause, survivors and promotions).
 * Each round also states the slowest CPU's speed around the API's part of it (cpu-speed.ts): on a shared VM
 * the host can slow a CPU for tens of seconds, and the table then says which rounds it spoiled.
 * Target: at least half the bare route's throughput, p99 under 10 ms at 64 connections.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ServerProcess } from '../test/support/service.js';
import { fileURLToPath } from 'node:url';
import { compareWithBareRoute, insideTable, loadTable, videoWithCovers, type InsideProbe, type ServerLatency } from './api-load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' }, 'cpu-prof': { type: 'string' }, 'node-args': { type: 'string' }, 'server-output': { type: 'string' }, 'server-latency': { type: 'boolean', default: false } } });
const options = { seconds: Number(values.seconds), connections: Number(values.connections), rounds: Number(values.rounds) };

process.env['SMARTCOVER_TEST_DIR'] = mkdtempSync(join(tmpdir(), 'smartcover-bench-api-'));
const server = new ServerProcess(mkdtempSync(join(tmpdir(), 'smartcover-bench-api-data-')), { SMARTCOVER_RATE_LIMIT: '0', SMARTCOVER_LOG_LEVEL: 'warn' });
if (values['node-args'] !== undefined) server.nodeArgs = values['node-args'].split(/\s+/).filter(Boolean);
if (values['cpu-prof'] !== undefined) server.nodeArgs = [...server.nodeArgs, '--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`];
if (values['server-latency']) server.nodeArgs = [...server.nodeArgs, '--require', fileURLToPath(new URL('./server-latency.cjs', import.meta.url))];
await server.launch();
const video = await videoWithCovers(server);
const rounds = await compareWithBareRoute(server.endpoint, server.child.pid!, server.credentials(), video.id, { ...options, inside: values['server-latency'] ? insideProbe(server) : undefined });
await server.stop();
if (values['server-output'] !== undefined) writeFileSync(values['server-output'], server.output);
console.log(`API benchmark (SQLite) — ${new Date().toISOString().slice(0, 10)}, ${options.connections} connections, ${options.rounds} rounds of ${options.seconds} s per target, loopback, one server process (node ${server.nodeArgs.join(' ') || 'with V8 defaults'}; ${video.covers} covers in the list); ceiling, bare route and API each in a process of its own, every request signed before its round

${loadTable(rounds, 'signed ListAIImageInfo (V1, unique nonces)')} Targets: ≥ 50 %, p99 < 10 ms.${insideTable(rounds)}`);

/** Asks the preloaded server-latency.cjs for what it recorded (SIGUSR2), and reads its line from the server's stderr. */
function insideProbe(server: ServerProcess): InsideProbe {
  const ask = () => process.kill(server.child.pid!, 'SIGUSR2');
  return {
    start: ask,
    async stop() {
      const from = server.output.length;
      ask();
      for (let i = 0; i < 100; i++) {
        const line = /server-latency (\{.*\})\n/.exec(server.output.slice(from))?.[1];
        if (line !== undefined) return JSON.parse(line) as ServerLatency;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the server did not report its latency (is bench/server-latency.cjs preloaded?)');
    },
  };
}
