import type { IssuedUpload } from '../../../covers/uploads.js';
import { uploadTicket } from '../../upload-ticket.js';
import type { Params } from '../params.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';

/** The two base64 JSON blobs upload clients decode: where to send the bytes, and the credential to sign them with. */
export function uploadBlobs(s: ActionServices, upload: IssuedUpload, baseUrl: string, now: Date): { UploadAddress: string; UploadAuth: string } {
  const { address, auth } = uploadTicket(upload, s.uploadEndpoint(baseUrl), s.uploadBucket);
  return { UploadAddress: base64Json(address), UploadAuth: base64Json(auth) };
}

function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** An optional text parameter of at most `max` characters, without control characters. */
export function boundedText(p: Params, name: string, max: number): string | undefined {
  const value = p.optional(name);
  if (value === undefined) return undefined;
  if ([...value].length > max) throw rpcErrors.tooLong(name, max);
  if (/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) throw rpcErrors.illegalCharacters(name);
  return value;
}

/** Tags: comma-separated, at most 16, each at most 32 characters. */
export function tagsParam(p: Params): string[] {
  const tags = (boundedText(p, 'Tags', 16 * 33) ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (tags.length > 16) throw rpcErrors.tooManyTags();
  if (tags.some((t) => [...t].length > 32)) throw rpcErrors.tooLong('Tags', 32);
  return tags;
}
