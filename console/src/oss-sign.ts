import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';

/**
 * OSS signature V1, as ali-oss computes it in a browser (which may not set Date, so x-oss-date carries
 * the time and stands in the date line). @noble/hashes rather than WebCrypto: crypto.subtle exists only on
 * https and localhost, and a console on a LAN address over http must upload too.
 */
export interface OssRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  /** Sub-resources in the query (uploads, partNumber, uploadId), unencoded. */
  readonly query: readonly (readonly [string, string])[];
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

export function stringToSign(request: OssRequest): string {
  const h = request.headers;
  const oss = Object.entries(h).filter(([n]) => n.startsWith('x-oss-')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}:${v.trim()}`);
  const sub = [...request.query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => (v === '' ? n : `${n}=${v}`));
  const resource = `/${request.bucket}/${request.key}${sub.length > 0 ? `?${sub.join('&')}` : ''}`;
  return [request.method, h['content-md5'] ?? '', h['content-type'] ?? '', h['x-oss-date'] ?? '', ...oss, resource].join('\n');
}

export function authorization(accessKeyId: string, secret: string, request: OssRequest): string {
  const mac = hmac(sha1, new TextEncoder().encode(secret), new TextEncoder().encode(stringToSign(request)));
  return `OSS ${accessKeyId}:${base64(mac)}`;
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}
