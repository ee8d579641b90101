import { toAppError } from '../../errors.js';

/** An error as the console's JSON API shows it: `{"error":{"code","message"}}` with an HTTP status. */
export interface ConsoleErrorBody {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The console's one table from the domain's error kinds to its codes. Messages are the domain's own,
 * written for people ("The video is not ready for processing (status Uploading)."); an internal error's
 * message stays in the log.
 */
export function consoleError(error: unknown): ConsoleErrorBody {
  const e = toAppError(error);
  switch (e.kind) {
    case 'invalid_argument':
    case 'invalid_media':
      return { status: 400, code: 'InvalidInput', message: e.message };
    case 'not_found':
      return { status: 404, code: 'NotFound', message: e.message };
    case 'conflict':
      return { status: 409, code: 'Conflict', message: e.message };
    case 'forbidden':
      return { status: 403, code: 'Forbidden', message: e.message };
    case 'unauthenticated':
      return { status: 401, code: e.details['reason'] === 'credentials' ? 'SignInFailed' : 'SignInRequired', message: e.message };
    case 'rate_limited': {
      const retry = Number(e.details['retryAfterSeconds'] ?? 60);
      return { status: 429, code: 'TooManyAttempts', message: e.message, headers: { 'retry-after': String(retry) } };
    }
    case 'unavailable':
    case 'aborted':
      return { status: 503, code: 'Unavailable', message: 'The service is busy or restarting. Try again in a moment.' };
    default:
      return { status: 500, code: 'InternalError', message: 'Something went wrong on the server. Try again; if it keeps happening, the server log says why.' };
  }
}
