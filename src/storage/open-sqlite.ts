import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { AppError } from '../errors.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

/**
 * Opens (creating if needed) the embedded database: WAL so readers never wait for the writer, a busy
 * timeout so a second process (a CLI command next to a running server) waits instead of failing, and
 * every migration applied.
 */
export async function openSqlite(file: string): Promise<Kysely<Database>> {
  mkdirSync(dirname(file), { recursive: true });
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
  } catch (error) {
    throw new AppError('invalid_argument', `cannot open the database ${file}: ${(error as Error).message}`, { cause: error });
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  return db;
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new AppError('internal', `database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
