import { AppError } from '../errors.js';

/** Keys are relative paths of plain segments: letters, digits, '-', '_' and '.', never '.' or '..' alone. */
const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

/** The key's segments; throws unless every one is plain (so no key built from user input can climb out). */
export function blobKeySegments(key: string): string[] {
  const segments = key.split('/');
  if (segments.length === 0 || !segments.every((s) => SEGMENT.test(s))) {
    throw new AppError('invalid_argument', `not a valid file key: ${JSON.stringify(key)}`);
  }
  return segments;
}
