import type { Params } from '../params.js';
import { rpcErrors } from '../rpc-error.js';

/**
 * UserData as SubmitAIImageJob and UploadMediaByURL take it: an optional JSON object of at most 512 bytes
 * whose MessageCallback, when present, must be usable (CallbackType "http", an http(s) CallbackURL).
 * Returns the text as given ('' when absent), which is what events and GetAIImageJobs report back.
 */
export function userDataParam(p: Params): string {
  const userData = p.jsonObject('UserData', 512);
  const callback = userData?.['MessageCallback'];
  if (callback !== undefined) {
    const c = callback as Record<string, unknown>;
    if (typeof c !== 'object' || c === null || (c['CallbackType'] ?? 'http') !== 'http' || typeof c['CallbackURL'] !== 'string' || !/^https?:\/\//.test(c['CallbackURL'])) {
      throw rpcErrors.invalid('UserData', 'MessageCallback needs CallbackType "http" and an http(s) CallbackURL.');
    }
  }
  return p.optional('UserData') ?? '';
}
