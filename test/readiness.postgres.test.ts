import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, postgres } from './support/backend.js';
import { ServerProcess, WorkerProcess } from './support/service.js';

/**
 * /readyz when PostgreSQL goes away: an API process and a worker on a PostgreSQL of this test's own (the
 * run's shared one must stay up for the other suites), which is stopped and started again. Both turn 503
 * naming the database, and 200 once it is back, without a restart.
 */
const script = fileURLToPath(new URL('../scripts/test-postgres.sh', import.meta.url));
const pgctl = (...args: string[]) => execFileSync(script, args, { encoding: 'utf8' });

if (backendsUnderTest().includes(postgres)) {
  let dir = '';
  let api: ServerProcess | undefined;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    const started = pgctl('start');
    const url = /SMARTCOVER_TEST_DATABASE_URL=(\S+)/.exec(started)![1]!;
    dir = /SMARTCOVER_TEST_PGDATA=(\S+)/.exec(started)![1]!;
    const env = { SMARTCOVER_DATABASE_URL: url, SMARTCOVER_OPS_PORT: '0', SMARTCOVER_QUEUE_MAINTENANCE: '1' };
    api = await ServerProcess.start({ ...env, SMARTCOVER_NO_WORKER: 'true' });
    worker = await WorkerProcess.start(env, api.dataDir);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    if (dir !== '') pgctl('stop', dir);
  });

  /** Polls an address's /readyz until it answers `status` (readiness reports are reused for a second). */
  async function readyz(base: string, status: number): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${base}/readyz`);
      const report = (await response.json()) as { ready: boolean; checks: Record<string, string> };
      if (response.status === status) return report;
      if (Date.now() > deadline) throw new Error(`/readyz still ${response.status}: ${JSON.stringify(report)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  describe('readiness on PostgreSQL', () => {
    it('/readyz turns 503 on the API and the worker while PostgreSQL is stopped, and 200 again once it is back', async () => {
      for (const base of [api!.endpoint, worker!.ops!]) expect((await readyz(base, 200)).ready).toBe(true);
      pgctl('halt', dir);
      try {
        for (const base of [api!.endpoint, api!.ops!, worker!.ops!]) {
          const report = await readyz(base, 503);
          expect(report.ready).toBe(false);
          expect(report.checks['database']).not.toBe('ok');
          expect(report.checks['queue']).not.toBe('ok');
          // Storage and ffmpeg do not depend on the database: the report says which part is down.
          expect(report.checks['storage']).toBe('ok');
          expect(report.checks['ffmpeg']).toBe('ok');
        }
        // Liveness does not depend on the database: an orchestrator must not restart a process for an outage.
        expect((await fetch(`${worker!.ops!}/healthz`)).status).toBe(200);
      } finally {
        pgctl('resume', dir);
      }
      for (const base of [api!.endpoint, api!.ops!, worker!.ops!]) expect((await readyz(base, 200)).checks).toEqual({ database: 'ok', queue: 'ok', storage: 'ok', ffmpeg: 'ok' });
      // Both processes lived through it.
      expect(api!.child.exitCode).toBeNull();
      expect(worker!.child.exitCode).toBeNull();
    }, 90_000);
  });
} else {
  describe.skip('readiness on postgres (set SMARTCOVER_TEST_DATABASE_URL: scripts/test-postgres.sh start)', () => it.skip('needs PostgreSQL', () => {}));
}
