import { buildWorker, createLogger, openService } from '../app.js';
import { ENGINE_SETTINGS, loadEngineConfig } from '../config.js';
import { loadServiceConfig, settingOptions, settingsHelp } from '../service-config.js';
import type { CliIo } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

export const WORKER_USAGE = `Usage: smartcover worker [options]

Runs cover jobs, URL fetches, callbacks and file deletions only: no API. Start any number, on any
machines, against one PostgreSQL (SMARTCOVER_DATABASE_URL) and one storage (SMARTCOVER_STORAGE); each
task runs once, and a worker that dies mid-task hands it on when its lease (--task-lease) expires.
SIGTERM lets running tasks finish within --shutdown-grace, then hands them back.

Options (each also an environment variable; the API's options are accepted and ignored):
${settingsHelp()}
  -h, --help

Engine:
${ENGINE_SETTINGS.map((s) => `  ${s.env.padEnd(34)} ${s.help}`).join('\n')}
`;

export async function workerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { ...settingOptions(), help: { type: 'boolean', short: 'h' } });
  if (values['help'] === true) {
    io.stdout.write(WORKER_USAGE);
    return 0;
  }
  const config = loadServiceConfig(io.env, values, io.cwd);
  const log = await createLogger(config.logLevel);
  const service = await openService(config, loadEngineConfig(io.env), { supervise: true, log });
  try {
    const worker = buildWorker(service, log);
    worker.start();
    io.stdout.write(`smartcover worker running ${config.concurrency} at a time (${service.embedded ? `SQLite in ${config.dataDir}` : 'PostgreSQL'})\n`);
    await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
    log.info({}, 'shutting down: running tasks get the grace period');
    await worker.stop(config.shutdownGraceSeconds * 1000);
    return 0;
  } finally {
    await service.close();
  }
}
