import { buildWorker, createLogger, openService, resumeUnfinished, startOps, startUploadSweeper } from '../app.js';
import type { OpsListener } from '../ops/ops-listener.js';
import type { CliIo } from './cli-io.js';
import { serviceFlags, serviceUsage, untilStopped } from './service-flags.js';

export const WORKER_USAGE = serviceUsage(`Usage: smartcover worker [options]

Runs cover jobs, URL fetches, callbacks and file deletions only: no API. Start any number, on any
machines, against one PostgreSQL (SMARTCOVER_DATABASE_URL) and one storage (SMARTCOVER_STORAGE); each
task runs once, and a worker that dies mid-task hands it on when its lease (--task-lease) expires.
SIGTERM lets running tasks finish within --shutdown-grace, then hands them back.
`);

export async function workerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = serviceFlags(args, io, WORKER_USAGE);
  if (flags === undefined) return 0;
  const { config, engine } = flags;
  const log = await createLogger(config.logLevel);
  const service = await openService(config, engine, { supervise: true, log });
  let ops: OpsListener | undefined;
  try {
    // First: a port already taken fails the start before any task is claimed.
    ops = await startOps(service);
    const worker = await buildWorker(service, log);
    await resumeUnfinished(service, log);
    worker.start();
    const stopSweeper = startUploadSweeper(service, log);
    if (ops !== undefined) io.stdout.write(`Operations (health, metrics) on ${ops.address}\n`);
    io.stdout.write(`smartcover worker running ${config.concurrency} at a time (${service.embedded ? `SQLite in ${config.dataDir}` : 'PostgreSQL'})\n`);
    await untilStopped(io.signal);
    log.info({}, 'shutting down: running tasks get the grace period');
    stopSweeper();
    await worker.stop(config.shutdownGraceSeconds * 1000);
    return 0;
  } finally {
    await ops?.close();
    await service.close();
  }
}
