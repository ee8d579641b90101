import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ENTRY, writeEntry } from './nonce-entries.js';
import { nonceId } from './nonce-ledger.js';
import { nonceDigest } from './nonce-window.js';

/**
 * Migrations in code, in order. Column types are ones both SQLite and PostgreSQL understand ('double
 * precision' has REAL affinity in SQLite; 'bigint' INTEGER).
 */
export type Dialect = 'sqlite' | 'postgres';

const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001-initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('default_template_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('access_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('videos')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('cover_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('duration', 'double precision', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('source_key', 'text', (c) => c.notNull())
        .addColumn('source_url', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text', (c) => c.notNull())
        .addColumn('error_message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('template_config', 'text', (c) => c.notNull())
        .addColumn('user_data', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_status').on('jobs').column('status').execute();
      await db.schema.createTable('covers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('time', 'double precision', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('covers_video').on('covers').columns(['video_id', 'score']).execute();
      await db.schema.createTable('nonces')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
        .execute();
      await db.schema.createIndex('nonces_expiry').on('nonces').column('expires_at').execute();
    },
  },
  '0002-task-queue': {
    // The embedded queue (SQLite); with PostgreSQL pg-boss keeps its own tables.
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') return;
      await db.schema.createTable('tasks')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tasks_ready').on('tasks').columns(['state', 'run_at']).execute();
      // A dedupe key is unique among live tasks only: a finished task does not block a new one.
      await sql`CREATE UNIQUE INDEX tasks_dedupe ON tasks (dedupe_key) WHERE state IN ('queued', 'active')`.execute(db);
    },
  },
  '0003-shared-state': {
    // What several API processes must share: rate-limit buckets, and settings such as the URL signing key.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('rate_buckets')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0004-upload-events': {
    // What UploadByURLComplete reports and where it goes: the upload's JobId and its UserData.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('videos').addColumn('upload_job_id', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('videos').addColumn('user_data', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  '0005-sqlite-nonce-log': {
    // The embedded database keeps nonces in an append-only log (see SqliteNonceLog); the keyed table stays
    // PostgreSQL's, where processes share it. A plain rowid (AUTOINCREMENT costs a page write per commit):
    // ids stay monotonic because the newest row is never deleted.
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') return;
      await db.schema.createTable('nonce_log')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // The window that is open when the server is upgraded carries over: no replay slips through it.
      await sql`INSERT INTO nonce_log (key_id, nonce, expires_at) SELECT key_id, nonce, expires_at FROM nonces ORDER BY expires_at`.execute(db);
      await db.schema.dropTable('nonces').execute();
    },
  },
  '0006-rate-bucket-grants': {
    // How many tokens the last take got: a process takes a whole event-loop turn's worth at once.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('rate_buckets').addColumn('granted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0007-uploads': {
    // CreateUploadVideo / CreateUploadImage and the object endpoint: what a video was uploaded as and what
    // its probe found (GetMezzanineInfo), images, and multipart uploads whose parts are staged blobs.
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [name, type] of [['object_key', 'text'], ['file_name', 'text'], ['width', 'integer'], ['height', 'integer'], ['fps', 'double precision'], ['bitrate', 'bigint']] as const) {
        await db.schema.alterTable('videos').addColumn(name, type, (c) => c.notNull().defaultTo(type === 'text' ? '' : 0)).execute();
      }
      await db.schema.createIndex('videos_account_created').on('videos').columns(['account_id', 'created_at']).execute();
      await db.schema.createTable('images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ext', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('multipart_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        // Set by CompleteMultipartUpload (JSON part numbers): the parts are then joined in the background.
        .addColumn('completed_parts', 'text')
        .execute();
      await db.schema.createIndex('multipart_uploads_created').on('multipart_uploads').column('created_at').execute();
      await db.schema.createTable('upload_parts')
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('part_number', 'integer', (c) => c.notNull())
        .addColumn('md5', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('upload_parts_pk', ['upload_id', 'part_number'])
        .execute();
    },
  },
  '0008-console': {
    // The web console: signed-in sessions (shared by every API process), and jobs that render one frame
    // chosen by hand (frame_time, seconds; NULL for the engine's own choice).
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('frame_time', 'double precision').execute();
      await db.schema.createTable('console_sessions')
        // The SHA-256 of the cookie's token: a copy of the database does not hand out live sessions.
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('access_key_id', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_key').on('console_sessions').column('access_key_id').execute();
      await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();
    },
  },
  '0009-cover-pictures': {
    // Each cover's BlurHash (ListAIImageInfo, image/blurhash) and its faces (subject-aware crops of its
    // renditions). Covers made before keep '' for both: they render, and crop around the centre.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('covers').addColumn('blurhash', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('covers').addColumn('faces', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  '0010-snapshots': {
    // SubmitSnapshotJob's jobs (their spec and result as JSON) and snapshot templates (AddVodTemplate).
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('snapshot_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('user_data', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('snapshot_jobs_video').on('snapshot_jobs').columns(['video_id', 'created_at']).execute();
      await db.schema.createIndex('snapshot_jobs_status').on('snapshot_jobs').column('status').execute();
      await db.schema.createTable('vod_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vod_templates_account').on('vod_templates').column('account_id').execute();
    },
  },
  '0011-task-owner': {
    // Which process claimed an active task on the embedded queue: crash recovery at start hands back only
    // the tasks of processes that have exited (SqliteTaskQueue.recoverAfterCrash).
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') return;
      await db.schema.alterTable('tasks').addColumn('owner', 'text').execute();
    },
  },
  '0012-event-sent': {
    // The status whose completion event a job's callback target has acknowledged (HTTP 200), and the
    // UploadMediaByURL job whose UploadByURLComplete it has: a second delivery task for the same event (a
    // run that outlived its lease queues one) is not sent again.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('event_sent', 'text').execute();
      await db.schema.alterTable('snapshot_jobs').addColumn('event_sent', 'text').execute();
      await db.schema.alterTable('videos').addColumn('event_sent', 'text').execute();
    },
  },
  '0013-nonce-batches': {
    // The embedded nonce log keeps a row per batch of nonces, as digests (see SqliteNonceLog), instead of a
    // row per nonce. The window that is open when the server is upgraded carries over, as in 0005.
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') return;
      await db.schema.createTable('nonce_batches')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('until_ms', 'integer', (c) => c.notNull())
        .addColumn('entries', 'blob', (c) => c.notNull())
        .execute();
      // All of it, in id order and in chunks (the log may hold millions): what has expired is skipped
      // when the window is loaded, and trimmed with the next batches.
      const digest = new Uint32Array(2);
      for (let after = 0; ;) {
        const rows = (await sql<{ id: number; key_id: string; nonce: string; expires_at: string }>`SELECT id, key_id, nonce, expires_at FROM nonce_log WHERE id > ${after} ORDER BY id LIMIT 10000`.execute(db)).rows;
        if (rows.length === 0) break;
        const entries = Buffer.alloc(ENTRY * rows.length);
        let untilMs = 0;
        rows.forEach((r, i) => {
          const until = Date.parse(r.expires_at);
          nonceDigest(nonceId(r.key_id, r.nonce), digest, 0);
          writeEntry(entries, i, digest[0]!, digest[1]!, until);
          untilMs = Math.max(untilMs, until);
        });
        await sql`INSERT INTO nonce_batches (until_ms, entries) VALUES (${untilMs}, ${entries})`.execute(db);
        after = rows[rows.length - 1]!.id;
      }
      await db.schema.dropTable('nonce_log').execute();
    },
  },
});

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
