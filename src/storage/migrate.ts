import { Migrator, type Kysely } from 'kysely';
import { AppError } from '../errors.js';
import { migrationProvider, type Dialect } from './migrations.js';
import type { Database } from './schema.js';

/** Applies every pending migration (Kysely's migrator takes a lock, so concurrent starts are safe). */
export async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new AppError('internal', `database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
