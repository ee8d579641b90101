import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../errors.js';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';

/**
 * Connects to PostgreSQL through a pool and applies every migration. Counts and bigint columns come
 * back as JavaScript numbers (pg returns int8 as text; sizes here stay far below 2^53).
 */
export async function openPostgres(connectionString: string, poolSize = 10): Promise<Kysely<Database>> {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString, max: poolSize, types, application_name: 'smartcover' });
  // An idle client that loses its server must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw new AppError('unavailable', `cannot use the PostgreSQL database ${describe(connectionString)}: ${causeOf(error)}`, { cause: error });
  }
  return db;
}

/** host:port/database, never the password. */
export function describe(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function causeOf(error: unknown): string {
  const cause = error instanceof AppError && error.cause !== undefined ? error.cause : error;
  const e = cause as { message?: string; code?: string; errors?: { message?: string }[] };
  // A refused connection to "localhost" is an AggregateError (IPv4 and IPv6) with an empty message.
  return e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(cause);
}
