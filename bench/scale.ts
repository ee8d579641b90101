/**
 * npm run bench:scale [-- --jobs N --seconds N --connections N --rounds N]
 *
 * The scaled-out deployment on this machine: cover jobs per minute with 1, 2 and 4 `smartcover worker`
 * processes (one API process, `serve --no-worker`, takes the submissions), all on one PostgreSQL with
 * pg-boss; then the same nonce-checked ListAIImageInfo load as bench:api, against an API on PostgreSQL.
 * PostgreSQL: SMARTCOVER_TEST_DATABASE_URL if set, else a throwaway one (scripts/test-postgres.sh).
 * Files stay on the local disk (one shared DATA_DIR): this measures the queue and the workers, not S3.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { looks as L, makeClip } from '../test/support/clips.js';
import { popClient, ServerProcess, WorkerProcess } from '../test/support/service.js';
import { compareWithBareRoute, loadTable, videoWithCovers } from './api-load.js';

const { values } = parseArgs({ options: {
  jobs: { type: 'string', default: '24' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' },
} });
const jobCount = Number(values.jobs);

process.env['SMARTCOVER_TEST_DIR'] = mkdtempSync(join(tmpdir(), 'smartcover-bench-scale-'));
let stopPostgres = () => {};
if (!process.env['SMARTCOVER_TEST_DATABASE_URL']) {
  const exports = execFileSync('scripts/test-postgres.sh', ['start'], { encoding: 'utf8' });
  for (const [, name, value] of exports.matchAll(/export (\w+)=(\S+)/g)) process.env[name!] = value!;
  stopPostgres = () => execFileSync('scripts/test-postgres.sh', ['stop', process.env['SMARTCOVER_TEST_PGDATA']!]);
}
// Imported once the URL is known (the test support reads it when loaded).
const { freshPostgres } = await import('../test/support/backend.js');

// One clip of 10 s (640×360, 2 s GOP): a short but real cover job.
const clip = await makeClip('bench-scale.mp4', [L.testsrc(3), L.mandelbrot(3), L.bars(2), L.gradient(2)], { width: 640, height: 360, gop: 50 });
const rows: string[] = [];
let single = 0;
// --jobs 0: only the API load.
for (const workerCount of jobCount > 0 ? [1, 2, 4] : []) {
  const env = { SMARTCOVER_DATABASE_URL: await freshPostgres(), SMARTCOVER_NO_WORKER: 'true', SMARTCOVER_LOG_LEVEL: 'warn' };
  const dataDir = mkdtempSync(join(process.env['SMARTCOVER_TEST_DIR'], 'data-'));
  const api = await ServerProcess.start(env, dataDir);
  const workers = await Promise.all(Array.from({ length: workerCount }, () => WorkerProcess.start(env, dataDir)));
  try {
    const client = popClient(api);
    const videos: string[] = [];
    for (let i = 0; i < jobCount; i++) videos.push((JSON.parse((await api.cli(['videos', 'import', clip, '--json'])).stdout) as { VideoId: string }).VideoId);
    const started = Date.now();
    const jobs = await Promise.all(videos.map(async (VideoId) =>
      ((await client.request('SubmitAIImageJob', { VideoId, AITemplateId: '00000000000000000000000000000001' })) as { JobId: string }).JobId));
    for (;;) {
      let done = 0;
      for (let i = 0; i < jobs.length; i += 10) {
        const { AIImageJobList } = (await client.request('GetAIImageJobs', { JobIds: jobs.slice(i, i + 10).join(',') })) as { AIImageJobList: { Status: string }[] };
        done += AIImageJobList.filter((j) => j.Status === 'success' || j.Status === 'fail').length;
      }
      if (done === jobs.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const perMinute = jobCount / ((Date.now() - started) / 60_000);
    if (workerCount === 1) single = perMinute;
    rows.push(`| ${workerCount} | ${perMinute.toFixed(1)} | ${(perMinute / single).toFixed(2)}× |`);
  } finally {
    await Promise.all([api.stop(), ...workers.map((w) => w.stop())]);
  }
}

const env = { SMARTCOVER_DATABASE_URL: await freshPostgres(), SMARTCOVER_RATE_LIMIT: '0', SMARTCOVER_LOG_LEVEL: 'warn' };
const server = await ServerProcess.start(env);
const video = await videoWithCovers(server);
await server.stop();
const loadOptions = { seconds: Number(values.seconds), connections: Number(values.connections), rounds: Number(values.rounds) };
// Without the per-key rate limit (what bench:api measures), then with it on but set too high to refuse
// anything: on PostgreSQL the limit is a shared bucket, which every request must take from.
const loads = [];
for (const limit of [{ SMARTCOVER_RATE_LIMIT: '0' }, { SMARTCOVER_RATE_LIMIT: '1000000', SMARTCOVER_RATE_BURST: '1000000' }] as Record<string, string>[]) {
  const api = await ServerProcess.start({ ...env, ...limit, SMARTCOVER_NO_WORKER: 'true' }, server.dataDir);
  loads.push(await compareWithBareRoute(api.endpoint, api.child.pid!, server.credentials(), video.id, loadOptions));
  await api.stop();
}
stopPostgres();

console.log(`Scale-out benchmark — ${new Date().toISOString().slice(0, 10)}, ${jobCount} cover jobs (10 s 640×360 clip, PNG template) per run

| workers | jobs per minute | vs 1 worker |
|---|---|---|
${rows.join('\n')}

API on PostgreSQL (one process, --no-worker; ${video.covers} covers in the list; ${values.connections} connections, ${values.rounds} rounds of ${values.seconds} s per target), rate limit off:

${loadTable(loads[0]!, 'signed ListAIImageInfo on PostgreSQL (V1, unique nonces)')}

The same with the per-key rate limit on (1 000 000/s, so nothing is refused, but every request takes from the shared bucket):

${loadTable(loads[1]!, 'signed ListAIImageInfo on PostgreSQL, rate-limited key')}`);
