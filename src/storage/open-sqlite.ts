import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError } from '../errors.js';
import { migrate } from './migrate.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Database } from './schema.js';

/** The embedded database: Kysely for every query, and its one connection for the hottest path. */
export interface Sqlite {
  readonly db: Kysely<Database>;
  /**
   * Runs `use` on the raw connection, synchronously, once no Kysely query or transaction holds it (it
   * takes Kysely's connection lock). For work where Kysely's per-query cost would dominate: replay
   * protection, once per request.
   */
  exclusive<T>(use: (connection: SqliteDatabase.Database) => T): Promise<T>;
}

/**
 * Opens (creating if needed) the embedded database: WAL so readers never wait for the writer, a busy
 * timeout so a second process (a CLI command next to a running server) waits instead of failing, and
 * every migration applied.
 */
export async function openSqlite(file: string): Promise<Sqlite> {
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: ownConnection(sqlite, checkpointsInBackground(sqlite, file)) }) });
  await migrate(db, 'sqlite');
  return { db, exclusive: (use) => db.connection().execute(async () => use(sqlite)) };
}

/** Moves WAL checkpoints off the event loop (see WalCheckpointer); SQLite's own resume if that fails. */
function checkpointsInBackground(sqlite: SqliteDatabase.Database, file: string): WalCheckpointer {
  const checkpointer = new WalCheckpointer(file);
  sqlite.pragma('wal_autocheckpoint = 0');
  checkpointer.onFailure(() => {
    if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  });
  return checkpointer;
}

/**
 * The connection Kysely gets. Kysely asks better-sqlite3 to prepare every statement afresh; preparing
 * costs more than running the small queries the API makes (measured: a third of a request's database
 * time). Statements are cached by their SQL text (parameters are separate, so a query shape is prepared
 * once), up to a bound. Closing it stops the checkpointer too.
 */
function ownConnection(sqlite: SqliteDatabase.Database, checkpointer: WalCheckpointer): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string): SqliteDatabase.Statement => {
    let statement = cache.get(source);
    if (statement === undefined) {
      if (cache.size >= 500) cache.clear();
      statement = sqlite.prepare(source);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      if (property === 'close') return () => { checkpointer.stop(); return sqlite.close(); };
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
