import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApi, buildWorker, createLogger, openService, resumeUnfinished, startOps, startUploadSweeper, type Service } from '../app.js';
import type { OpsListener } from '../ops/ops-listener.js';
import { DEFAULT_ACCOUNT } from '../covers/access-keys.js';
import type { CliIo } from './cli-io.js';
import { serviceFlags, serviceUsage, untilStopped } from './service-flags.js';

export const SERVE_USAGE = serviceUsage(`Usage: smartcover serve [options]

Serves VOD's smart-cover API (signature V1 and V3, JSON and XML) and runs cover jobs in the same process,
on SQLite and local files in the data directory. The first start creates an access key and prints it once.
With --database-url (PostgreSQL) and --storage (S3), run any number of these with --no-worker and any
number of 'smartcover worker' processes, on any machines.
`);

export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = serviceFlags(args, io, SERVE_USAGE);
  if (flags === undefined) return 0;
  const { config, engine: engineConfig } = flags;
  const log = await createLogger(config.logLevel);
  const service = await openService(config, engineConfig, { supervise: config.worker, log });
  let ops: OpsListener | undefined;
  try {
    const firstKey = await firstStartKey(service);
    // First: a port already taken fails the start before anything runs.
    ops = await startOps(service);
    const server = await buildApi(service, log);
    const worker = config.worker ? await buildWorker(service, log) : undefined;
    // Listening before the worker starts: a port already taken fails the start before any task is touched.
    const address = await server.listen({ port: config.port, host: config.host });
    if (worker !== undefined) await resumeUnfinished(service, log);
    worker?.start();
    const stopSweeper = worker === undefined ? undefined : startUploadSweeper(service, log);
    if (ops !== undefined) io.stdout.write(`Operations (health, metrics) on ${ops.address}\n`);
    io.stdout.write(`smartcover listening on ${address} (data in ${config.dataDir}${worker === undefined ? ', no worker' : ''})\n`);
    const consoleUrl = `${config.publicUrl || address.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:|$)/, '//127.0.0.1')}/console/`;
    io.stdout.write(firstKey === undefined ? `Web console: ${consoleUrl}\n` : `${firstKey}  Web console:     ${consoleUrl} (sign in with this key)\n`);

    await untilStopped(io.signal);
    log.info({}, 'shutting down: no new requests; running jobs get the grace period');
    await server.close();
    stopSweeper?.();
    await worker?.stop(config.shutdownGraceSeconds * 1000);
    return 0;
  } finally {
    await ops?.close();
    await service.close();
  }
}

/**
 * On an empty database: an access key for the default account, kept in DATA_DIR/credentials (0600); returns
 * the lines that show it, printed once the server listens (next to the console's address).
 */
async function firstStartKey(service: Service): Promise<string | undefined> {
  if ((await service.keys.list()).length > 0) return undefined;
  const { key } = await service.keys.create(DEFAULT_ACCOUNT);
  const file = join(service.config.dataDir, 'credentials');
  await writeFile(file, `${JSON.stringify({ AccessKeyId: key.id, AccessKeySecret: key.secret, Account: DEFAULT_ACCOUNT }, null, 2)}\n`, { mode: 0o600 });
  return `Created the first access key (account '${DEFAULT_ACCOUNT}'). The secret is shown only this once; it is also in ${file} (mode 0600).\n` +
    `  AccessKeyId:     ${key.id}\n  AccessKeySecret: ${key.secret}\n`;
}
