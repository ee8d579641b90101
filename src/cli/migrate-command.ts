import { openService } from '../app.js';
import type { CliIo } from './cli-io.js';
import { serviceFlags } from './service-flags.js';

export const MIGRATE_USAGE = `Usage: smartcover migrate [--database-url URL | --data DIR]

Creates or upgrades the database schema (and, on PostgreSQL, pg-boss's) and exits. Every command does this
on start too; run it first when you deploy, so that many processes do not all try at once.
`;

export async function migrateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = serviceFlags(args, io, MIGRATE_USAGE);
  if (flags === undefined) return 0;
  const { config, engine } = flags;
  const service = await openService(config, engine);
  await service.close();
  io.stdout.write(`smartcover: the ${service.embedded ? `SQLite database in ${config.dataDir}` : 'PostgreSQL database'} is up to date\n`);
  return 0;
}
