import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Where a test's server keeps its metadata and queue: the embedded SQLite, or PostgreSQL with pg-boss.
 * Suites that must hold for both take a Backend; the operator-side actions a test needs (breaking a table,
 * making the database unreachable) are done the way an operator would, per backend.
 */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** Settings for a new server: for PostgreSQL, a fresh database and role of its own. */
  serverEnv(): Promise<Record<string, string>>;
  /** Runs SQL against the server's database, as its operator (env: what serverEnv returned). */
  query(dataDir: string, env: Record<string, string>, statement: string): Promise<Record<string, unknown>[]>;
  /** The URL signing key the server generated on first start. */
  urlAuthKey(dataDir: string, env: Record<string, string>): Promise<string>;
  /** Makes the database refuse the server's connections while `during` runs. */
  unreachable<T>(dataDir: string, env: Record<string, string>, during: () => Promise<T>): Promise<T>;
}

export const sqlite: Backend = {
  name: 'sqlite',
  serverEnv: async () => ({}),
  async query(dataDir, _env, statement) {
    const db = new Database(join(dataDir, 'smartcover.db'));
    try {
      const prepared = db.prepare(statement);
      return prepared.reader ? (prepared.all() as Record<string, unknown>[]) : (prepared.run(), []);
    } finally {
      db.close();
    }
  },
  urlAuthKey: async (dataDir) => readFileSync(join(dataDir, 'url-auth-key'), 'utf8').trim(),
  async unreachable(dataDir, _env, during) {
    // An exclusive lock held past the server's busy timeout: what a long migration or backup does.
    const db = new Database(join(dataDir, 'smartcover.db'));
    db.exec('BEGIN EXCLUSIVE');
    try {
      return await during();
    } finally {
      db.exec('COMMIT');
      db.close();
    }
  },
};

/** The PostgreSQL the test run was pointed at (scripts/test-postgres.sh starts one), if any. */
export const postgresUrl = process.env['SMARTCOVER_TEST_DATABASE_URL'];

async function admin<T>(use: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(postgresUrl!);
  if (database !== undefined) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database owned by a new role: tests never see each other's rows or connections. */
export async function freshPostgres(): Promise<string> {
  const name = `sc_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${name} LOGIN PASSWORD '${name}'`);
    await c.query(`CREATE DATABASE ${name} OWNER ${name}`);
  });
  const url = new URL(postgresUrl!);
  url.username = name;
  url.password = name;
  url.pathname = `/${name}`;
  return url.toString();
}

export const postgres: Backend = {
  name: 'postgres',
  serverEnv: async () => ({
    SMARTCOVER_DATABASE_URL: await freshPostgres(),
    // Short leases and frequent maintenance so that a killed worker's task comes back within the test.
    SMARTCOVER_TASK_LEASE: '20',
    SMARTCOVER_QUEUE_MAINTENANCE: '1',
  }),
  async query(_dataDir, env, statement) {
    const client = new pg.Client({ connectionString: env['SMARTCOVER_DATABASE_URL'] });
    await client.connect();
    try {
      return (await client.query(statement)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  },
  async urlAuthKey(dataDir, env) {
    // Processes sharing PostgreSQL keep the generated key in the database, so that they all sign alike.
    const [row] = await postgres.query(dataDir, env, "SELECT value FROM settings WHERE name = 'url-auth-key'");
    return String(row?.['value']);
  },
  async unreachable(_dataDir, env, during) {
    // The role may open no connection, and the ones it has are cut: what a failover or an exhausted
    // connection budget looks like to the server.
    const role = new URL(env['SMARTCOVER_DATABASE_URL']!).username;
    await admin(async (c) => {
      await c.query(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    });
    try {
      return await during();
    } finally {
      await admin((c) => c.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`));
    }
  },
};

/**
 * The backends this run tests. PostgreSQL needs SMARTCOVER_TEST_DATABASE_URL; CI must provide it (a run
 * that silently skipped half the suite would be a lie), a developer's machine may go without.
 */
export function backendsUnderTest(): Backend[] {
  if (postgresUrl !== undefined && postgresUrl !== '') return [sqlite, postgres];
  if (process.env['CI'] === 'true') throw new Error('CI must set SMARTCOVER_TEST_DATABASE_URL (scripts/test-postgres.sh start)');
  return [sqlite];
}
