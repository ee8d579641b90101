import type { ErrorKind } from '../errors.js';

/**
 * The CLI's translation of the error vocabulary: 2 for a command used wrongly, 130 for an interrupted one
 * (the shell convention for SIGINT), 1 for everything else.
 */
export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid_argument':
      return 2;
    case 'aborted':
      return 130;
    default:
      return 1;
  }
}
