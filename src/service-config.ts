import { resolve } from 'node:path';
import { AppError } from './errors.js';

/**
 * The service's settings: each an environment variable and a flag of the same name (SMARTCOVER_PORT and
 * --port), listed once here so that --help, the README and what is read never disagree. Flags win over
 * the environment; every problem is reported at once.
 */
interface Spec {
  readonly env: string;
  readonly flag: string;
  readonly help: string;
  readonly fallback: string;
  /** Boolean flags take no value (--no-worker). */
  readonly boolean?: boolean;
  /** Conventional variables read when the SMARTCOVER_ one is unset (DATABASE_URL, AWS_ENDPOINT_URL). */
  readonly alsoEnv?: readonly string[];
}

export const SERVICE_SETTINGS = [
  { env: 'SMARTCOVER_DATA_DIR', flag: 'data', fallback: 'data', help: 'where the database, media files and credentials live' },
  { env: 'SMARTCOVER_DATABASE_URL', flag: 'database-url', fallback: '', alsoEnv: ['DATABASE_URL'], help: 'postgres://… puts metadata, nonces, rate limits and the job queue (pg-boss) in PostgreSQL (default: SQLite in DATA_DIR)' },
  { env: 'SMARTCOVER_STORAGE', flag: 'storage', fallback: '', help: 's3://bucket/prefix keeps sources and covers in S3-compatible storage (default: DATA_DIR/media)' },
  { env: 'SMARTCOVER_S3_ENDPOINT', flag: 's3-endpoint', fallback: '', alsoEnv: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'], help: 'S3-compatible endpoint, e.g. http://minio:9000 (path-style); region and keys come from AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY' },
  { env: 'SMARTCOVER_FILES_URL', flag: 'files-url', fallback: '', help: 'FileURLs point here (a CDN in front of the storage prefix, same type-A signing) instead of at this service' },
  { env: 'SMARTCOVER_TASK_LEASE', flag: 'task-lease', fallback: '900', help: 'PostgreSQL queue: seconds a running task may take before it counts as abandoned and runs elsewhere' },
  { env: 'SMARTCOVER_QUEUE_MAINTENANCE', flag: 'queue-maintenance', fallback: '30', help: 'PostgreSQL queue: seconds between checks for abandoned tasks' },
  { env: 'SMARTCOVER_PORT', flag: 'port', fallback: '8080', help: 'TCP port of the API (0 picks a free one)' },
  { env: 'SMARTCOVER_HOST', flag: 'host', fallback: '0.0.0.0', help: 'address to listen on' },
  { env: 'SMARTCOVER_PUBLIC_URL', flag: 'public-url', fallback: '', help: 'base of FileURLs, e.g. https://covers.example.com (default: the Host the client called)' },
  { env: 'SMARTCOVER_URL_AUTH_KEY', flag: 'url-auth-key', fallback: '', help: 'primary type-A URL signing key (default: generated once, kept in DATA_DIR/url-auth-key)' },
  { env: 'SMARTCOVER_URL_AUTH_KEY_SECONDARY', flag: 'url-auth-key-secondary', fallback: '', help: 'secondary key, also accepted (for rotation)' },
  { env: 'SMARTCOVER_URL_VALIDITY', flag: 'url-validity', fallback: '1800', help: 'seconds a signed FileURL stays valid' },
  { env: 'SMARTCOVER_CONCURRENCY', flag: 'concurrency', fallback: '1', help: 'cover jobs run at once by this process\'s worker' },
  { env: 'SMARTCOVER_NO_WORKER', flag: 'no-worker', fallback: 'false', help: 'serve the API only; run no jobs here', boolean: true },
  { env: 'SMARTCOVER_CALLBACK_URL', flag: 'callback-url', fallback: '', help: 'where job events go when UserData names no MessageCallback' },
  { env: 'SMARTCOVER_CALLBACK_KEY', flag: 'callback-key', fallback: '', help: 'signs callbacks (X-VOD-SIGNATURE) when set' },
  { env: 'SMARTCOVER_UPLOAD_MAX_BYTES', flag: 'upload-max-bytes', fallback: String(4 * 1024 ** 3), help: 'largest file UploadMediaByURL fetches or a client uploads to the object endpoint' },
  { env: 'SMARTCOVER_UPLOAD_ENDPOINT', flag: 'upload-endpoint', fallback: '', help: "UploadAddress's Endpoint, e.g. http://203.0.113.7:8080 (default: the address the client called; an IP literal keeps ali-oss's path addressing)" },
  { env: 'SMARTCOVER_UPLOAD_CREDENTIAL_TTL', flag: 'upload-credential-ttl', fallback: '3000', help: 'seconds an upload credential (CreateUploadVideo, RefreshUploadVideo) stays valid' },
  { env: 'SMARTCOVER_UPLOAD_KEY', flag: 'upload-key', fallback: '', help: 'server key that upload credentials are derived from (default: generated once, kept in the database); changing it ends every credential' },
  { env: 'SMARTCOVER_UPLOAD_IDLE_TIMEOUT', flag: 'upload-idle-timeout', fallback: '60', help: 'seconds an upload to the object endpoint may send nothing before it is dropped' },
  { env: 'SMARTCOVER_UPLOAD_ABANDON', flag: 'upload-abandon', fallback: '86400', help: 'seconds after which an upload never completed is cleaned up (its video, its staged parts)' },
  { env: 'SMARTCOVER_AUTO_COVERS', flag: 'auto-covers', fallback: 'false', help: "submit a cover job with the default template when an upload completes (UserData {\"SmartCover\":{\"AutoCovers\":…}} decides per upload)", boolean: true },
  { env: 'SMARTCOVER_CONSOLE_SESSION_TTL', flag: 'console-session-ttl', fallback: '43200', help: 'seconds a web console sign-in lasts at most' },
  { env: 'SMARTCOVER_CONSOLE_IDLE_TIMEOUT', flag: 'console-idle-timeout', fallback: '3600', help: 'seconds without a request after which a web console session ends' },
  { env: 'SMARTCOVER_UPLOAD_TIMEOUT', flag: 'upload-timeout', fallback: '900', help: 'seconds an UploadMediaByURL fetch may take' },
  { env: 'SMARTCOVER_ALLOW_PRIVATE_URLS', flag: 'allow-private-urls', fallback: 'false', help: 'let uploads and callbacks reach loopback and private addresses', boolean: true },
  { env: 'SMARTCOVER_RATE_LIMIT', flag: 'rate-limit', fallback: '100', help: 'requests per second per access key (0: no limit)' },
  { env: 'SMARTCOVER_RATE_BURST', flag: 'rate-burst', fallback: '200', help: 'requests per access key allowed in a burst' },
  { env: 'SMARTCOVER_BODY_LIMIT', flag: 'body-limit', fallback: '65536', help: 'largest request body, bytes' },
  { env: 'SMARTCOVER_SHUTDOWN_GRACE', flag: 'shutdown-grace', fallback: '30', help: 'seconds running jobs get to finish on SIGTERM before they are handed back' },
  { env: 'SMARTCOVER_RENDITION_CACHE', flag: 'rendition-cache', fallback: String(1024 ** 3), help: 'bytes of x-oss-process renditions kept on disk in DATA_DIR/renditions, least recently used dropped first (0: none kept)' },
  { env: 'SMARTCOVER_RENDITION_CONCURRENCY', flag: 'rendition-concurrency', fallback: '2', help: 'renditions made at once by this process (each may hold a decoded picture of up to SMARTCOVER_MAX_PIXELS in memory); up to 512 more wait (no picture is read until its turn), the rest get 503' },
  { env: 'SMARTCOVER_OPS_PORT', flag: 'ops-port', fallback: '', help: 'port for /healthz, /readyz and /metrics (Prometheus), apart from the API; serve and worker alike (0 picks a free one; unset: none)' },
  { env: 'SMARTCOVER_OPS_HOST', flag: 'ops-host', fallback: '127.0.0.1', help: 'address the operations port listens on (it has no authentication: keep it private)' },
  { env: 'SMARTCOVER_LOG_LEVEL', flag: 'log-level', fallback: 'info', help: 'fatal, error, warn, info, debug or silent' },
] as const satisfies readonly Spec[];

export interface ServiceConfig {
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** The bucket and key prefix when files live in S3. */
  readonly s3: { readonly bucket: string; readonly prefix: string; readonly endpoint: string } | undefined;
  readonly filesUrl: string;
  readonly taskLeaseSeconds: number;
  readonly queueMaintenanceSeconds: number;
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly urlAuthKey: string;
  readonly urlAuthKeySecondary: string;
  readonly urlValiditySeconds: number;
  readonly concurrency: number;
  readonly worker: boolean;
  readonly callbackUrl: string;
  readonly callbackKey: string;
  readonly uploadMaxBytes: number;
  /** Bytes of renditions kept on disk (0: none). */
  readonly renditionCacheBytes: number;
  readonly renditionConcurrency: number;
  readonly uploadTimeoutSeconds: number;
  readonly uploadEndpoint: string;
  readonly uploadCredentialSeconds: number;
  readonly uploadKey: string;
  readonly uploadAbandonSeconds: number;
  readonly uploadIdleSeconds: number;
  readonly consoleSessionSeconds: number;
  readonly consoleIdleSeconds: number;
  readonly autoCovers: boolean;
  readonly allowPrivateUrls: boolean;
  readonly rateLimit: number;
  readonly rateBurst: number;
  readonly bodyLimit: number;
  readonly shutdownGraceSeconds: number;
  /** The operations listener (/healthz, /readyz, /metrics), when one is asked for. */
  readonly ops: { readonly port: number; readonly host: string } | undefined;
  readonly logLevel: string;
}

type Flag = (typeof SERVICE_SETTINGS)[number]['flag'];

/** parseArgs options for the settings (every flag a string, booleans as booleans). */
export function settingOptions(): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(SERVICE_SETTINGS.map((s) => [s.flag, { type: 'boolean' in s && s.boolean ? 'boolean' : 'string' }]));
}

export function settingsHelp(): string {
  return SERVICE_SETTINGS.map((s) => `  --${s.flag.padEnd(24)} ${s.env.padEnd(34)} ${s.help}${s.fallback !== '' && !('boolean' in s) ? ` (default ${s.fallback})` : ''}`).join('\n');
}

export function loadServiceConfig(env: Readonly<Record<string, string | undefined>>, flags: Readonly<Record<string, string | boolean | undefined>>, cwd: string): ServiceConfig {
  const problems: string[] = [];
  const raw = (flag: Flag): string => {
    const spec = SERVICE_SETTINGS.find((s) => s.flag === flag)!;
    const fromFlag = flags[flag];
    if (fromFlag !== undefined) return String(fromFlag);
    const also = 'alsoEnv' in spec ? spec.alsoEnv.map((name) => env[name]).find((v) => v !== undefined && v !== '') : undefined;
    return env[spec.env] ?? also ?? spec.fallback;
  };
  const int = (flag: Flag, min: number, max: number): number => {
    const text = raw(flag);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      problems.push(`--${flag} / ${SERVICE_SETTINGS.find((s) => s.flag === flag)!.env} must be a whole number from ${min} to ${max} (got '${text}')`);
      return min;
    }
    return value;
  };
  const bool = (flag: Flag): boolean => {
    const text = raw(flag).toLowerCase();
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(text)) {
      problems.push(`${SERVICE_SETTINGS.find((s) => s.flag === flag)!.env} must be true or false (got '${text}')`);
      return false;
    }
    return ['true', '1', 'yes'].includes(text);
  };
  const publicUrl = raw('public-url').replace(/\/+$/, '');
  if (publicUrl !== '' && !/^https?:\/\/[^/]+(\/.*)?$/.test(publicUrl)) problems.push(`--public-url must be an http(s) URL (got '${publicUrl}')`);
  const logLevel = raw('log-level');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`--log-level must be one of fatal, error, warn, info, debug, silent (got '${logLevel}')`);
  const databaseUrl = raw('database-url');
  if (databaseUrl !== '' && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl)) problems.push('--database-url / SMARTCOVER_DATABASE_URL must be a postgres:// URL');
  const storage = raw('storage');
  const s3Match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(storage);
  if (storage !== '' && s3Match === null) problems.push(`--storage / SMARTCOVER_STORAGE must be s3://bucket[/prefix] with a valid bucket name (got '${storage}')`);
  const endpoint = raw('s3-endpoint');
  if (endpoint !== '' && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) problems.push(`--s3-endpoint must be an http(s) URL with no path (got '${endpoint}')`);
  const filesUrl = raw('files-url').replace(/\/+$/, '');
  if (filesUrl !== '' && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(filesUrl)) problems.push(`--files-url must be an http(s) URL without query (got '${filesUrl}')`);
  const config: ServiceConfig = {
    dataDir: resolve(cwd, raw('data')),
    databaseUrl,
    s3: s3Match === null ? undefined : { bucket: s3Match[1]!, prefix: (s3Match[2] ?? '').replace(/^\/+|\/+$/g, ''), endpoint: endpoint.replace(/\/$/, '') },
    filesUrl,
    taskLeaseSeconds: int('task-lease', 10, 12 * 3600),
    queueMaintenanceSeconds: int('queue-maintenance', 1, 3600),
    port: int('port', 0, 65535),
    host: raw('host'),
    publicUrl,
    urlAuthKey: raw('url-auth-key'),
    urlAuthKeySecondary: raw('url-auth-key-secondary'),
    urlValiditySeconds: int('url-validity', 1, 365 * 86400),
    concurrency: int('concurrency', 1, 64),
    worker: !bool('no-worker'),
    callbackUrl: raw('callback-url'),
    callbackKey: raw('callback-key'),
    uploadMaxBytes: int('upload-max-bytes', 1, Number.MAX_SAFE_INTEGER),
    renditionCacheBytes: int('rendition-cache', 0, Number.MAX_SAFE_INTEGER),
    renditionConcurrency: int('rendition-concurrency', 1, 64),
    uploadTimeoutSeconds: int('upload-timeout', 1, 86400),
    uploadEndpoint: raw('upload-endpoint').replace(/\/+$/, ''),
    uploadCredentialSeconds: int('upload-credential-ttl', 60, 7 * 86400),
    uploadKey: raw('upload-key'),
    uploadAbandonSeconds: int('upload-abandon', 60, 365 * 86400),
    uploadIdleSeconds: int('upload-idle-timeout', 1, 3600),
    consoleSessionSeconds: int('console-session-ttl', 60, 30 * 86400),
    consoleIdleSeconds: int('console-idle-timeout', 60, 30 * 86400),
    autoCovers: bool('auto-covers'),
    allowPrivateUrls: bool('allow-private-urls'),
    rateLimit: int('rate-limit', 0, 1_000_000),
    rateBurst: int('rate-burst', 1, 1_000_000),
    bodyLimit: int('body-limit', 1024, 64 * 1024 * 1024),
    shutdownGraceSeconds: int('shutdown-grace', 0, 3600),
    ops: raw('ops-port') === '' ? undefined : { port: int('ops-port', 0, 65535), host: raw('ops-host') },
    logLevel,
  };
  if (config.uploadEndpoint !== '' && !/^https?:\/\/[^/?#]+$/.test(config.uploadEndpoint)) problems.push(`--upload-endpoint must be an http(s) URL with no path (got '${config.uploadEndpoint}')`);
  if (config.ops !== undefined && config.ops.port !== 0 && config.ops.port === config.port) problems.push(`--ops-port must differ from --port (both ${config.port})`);
  if (config.uploadKey !== '' && config.uploadKey.length < 16) problems.push('--upload-key / SMARTCOVER_UPLOAD_KEY must be at least 16 characters');
  if (config.callbackUrl !== '' && !/^https?:\/\//.test(config.callbackUrl)) problems.push(`--callback-url must be an http(s) URL (got '${config.callbackUrl}')`);
  if (problems.length > 0) throw new AppError('invalid_argument', problems.join('; '));
  return Object.freeze(config);
}
