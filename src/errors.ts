/**
 * The one error vocabulary of smartcover. Every part raises AppError with one of these kinds; each edge
 * translates them once (the CLI to exit codes and one-line messages, the API to VOD error codes, the
 * worker to job status).
 */
export type ErrorKind =
  /** The caller asked for something malformed (a flag, a parameter, a setting). */
  | 'invalid_argument'
  /** The named thing does not exist (or is not visible to the caller). */
  | 'not_found'
  /** The file exists but is not a video we can read: empty, truncated, an image, audio only. */
  | 'invalid_media'
  /** The request conflicts with the current state (e.g. deleting the default template). */
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'rate_limited'
  /** A dependency is down or we are shutting down; retrying later may work. */
  | 'unavailable'
  /** The caller cancelled (signal, Ctrl-C, shutdown). */
  | 'aborted'
  /** A bug or an unexpected failure; the message is for logs, never for the wire. */
  | 'internal';

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly kind: ErrorKind;
  /** Extra facts for logs (argv, stderr, ids); never sent to a client as-is. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/**
 * A file or upload past a byte limit: invalid_argument with details.reason 'too_large' and the limit, which
 * each edge turns into its own code (EntityTooLarge, FileTooLarge).
 */
export function tooLargeError(limit: number, what = 'the upload'): AppError {
  return new AppError('invalid_argument', `${what} is larger than the limit of ${limit} bytes`, { details: { reason: 'too_large', limit } });
}

export function isAppError(value: unknown, kind?: ErrorKind): value is AppError {
  return value instanceof AppError && (kind === undefined || value.kind === kind);
}

/**
 * Driver error codes that mean "busy or unreachable right now, try again": SQLite's lock timeouts;
 * PostgreSQL's connection failures (class 08), too many connections (53300), admin shutdown,
 * cannot-connect-now and lock timeout; refused and reset connections.
 */
const TRANSIENT_CODES = new Set([
  'SQLITE_BUSY', 'SQLITE_LOCKED', '08000', '08001', '08003', '08004', '08006', '53300', '57P01', '57P02', '57P03', '55P03',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
]);

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  if (value instanceof Error && value.name === 'AbortError') return new AppError('aborted', 'cancelled', { cause: value });
  const code = (value as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return new AppError('unavailable', `storage busy (${code})`, { cause: value });
  const message = value instanceof Error ? value.message : String(value);
  return new AppError('internal', message, { cause: value });
}
