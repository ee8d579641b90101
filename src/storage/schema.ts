import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Times are ISO-8601 UTC text (the same in SQLite and PostgreSQL, and
 * they sort as text); JSON is text.
 */
export interface Database {
  accounts: { id: string; name: string; default_template_id: string | null; created_at: string };
  access_keys: { id: string; secret: string; account_id: string; status: string; created_at: string };
  videos: {
    id: string; account_id: string; title: string; description: string; cover_url: string; status: string;
    duration: number; size: number; source_key: string; source_url: string; error_code: string; error_message: string;
    upload_job_id: string; user_data: string; created_at: string; modified_at: string;
    /** The upload job whose UploadByURLComplete was delivered (migration 0012); null before. */
    event_sent: string | null;
    object_key: string; file_name: string; width: number; height: number; fps: number; bitrate: number;
  };
  images: {
    id: string; account_id: string; type: string; ext: string; title: string; object_key: string; status: string; size: number;
    created_at: string; modified_at: string;
  };
  multipart_uploads: { id: string; account_id: string; object_key: string; created_at: string; completed_parts: string | null };
  upload_parts: { upload_id: string; part_number: number; md5: string; size: number; created_at: string };
  templates: { id: string; account_id: string; name: string; type: string; config: string; source: string; created_at: string; modified_at: string };
  jobs: {
    id: string; account_id: string; video_id: string; template_id: string; template_config: string; user_data: string;
    status: string; code: string; message: string; result: string; created_at: string; modified_at: string;
    frame_time: number | null;
    /** The status whose event was delivered (migration 0012); null before it was. */
    event_sent: string | null;
  };
  console_sessions: {
    token_hash: string; account_id: string; access_key_id: string; csrf_token: string; created_at: string; seen_at: string; expires_at: string;
  };
  covers: {
    id: string; account_id: string; video_id: string; job_id: string; version: number; format: string; score: number; time: number;
    path: string; width: number; height: number; bytes: number; created_at: string;
    /** '' before migration 0009. */
    blurhash: string;
    /** JSON [[x, y, width, height], …], clearest first; '' before migration 0009. */
    faces: string;
  };
  snapshot_jobs: {
    id: string; account_id: string; video_id: string; template_id: string; spec: string; user_data: string; base_url: string;
    status: string; code: string; message: string; result: string; created_at: string; modified_at: string;
    event_sent: string | null;
  };
  vod_templates: { id: string; account_id: string; name: string; type: string; config: string; spec: string; created_at: string; modified_at: string };
  /** PostgreSQL: the nonces every API process shares. */
  nonces: { key_id: string; nonce: string; expires_at: string };
  /** SQLite: the append-only nonce log (SqliteNonceLog), a batch's nonce digests per row. */
  nonce_batches: { id: Generated<number>; until_ms: number; entries: Buffer };
  rate_buckets: { key_id: string; tokens: number; at_ms: number; granted: number };
  settings: { name: string; value: string };
  tasks: {
    id: Generated<number>; kind: string; payload: string; dedupe_key: string | null; state: string; run_at: string;
    attempts: number; max_attempts: number; lease_until: string | null; last_error: string; created_at: string;
    /** The process holding an active task on the embedded queue (ProcessOwners); null when none or unknown. */
    owner: string | null;
  };
}
