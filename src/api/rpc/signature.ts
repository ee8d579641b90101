import { hash, timingSafeEqual } from 'node:crypto';
import { hmac, hmacKey, type HmacKey } from './hmac.js';

/**
 * VOD's request signatures, as pure functions. V1 (HMAC-SHA1) signs the sorted parameters; V3
 * (ACS3-HMAC-SHA256) signs a canonical request of method, query, chosen headers and the body's hash.
 */

/** RFC 3986 percent-encoding as VOD does it: only A-Z a-z 0-9 - _ . ~ stay; space is %20, * is %2A. */
export function percentEncode(value: string): string {
  // Most values (ids, nonces, actions) need no encoding at all; testing for that is far cheaper.
  return isUnreserved(value) ? value : encodeReserved(value);
}

/** percentEncode of text with at least one character to escape: the result always holds a "%". */
function encodeReserved(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Whether every character is one percent-encoding keeps. A loop over a table: for the short names and
 * values of a request, a regular expression's call cost several times more (measured: the test ran ~22
 * times a request, a sixth of the signature's string).
 */
function isUnreserved(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] !== 1) return false;
  }
  return true;
}

/** 1 at the ASCII codes of A-Z a-z 0-9 - _ . ~ */
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;

/** Sorts by name in plain code-unit order (what the clients do: JavaScript's default sort). */
function sorted(params: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  return [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The string V1 signs: the method, "/", and the sorted query without Signature, each percent-encoded. */
export function stringToSignV1(method: string, params: readonly (readonly [string, string])[]): string {
  // Every pair but Signature, by name in plain code-unit order (what the clients do: JavaScript's default
  // sort), ties in the order sent (as a stable sort of the pairs would leave them). An insertion sort of
  // their indices: a request has a dozen, and Array.prototype.sort's calls into a comparator, on copies of
  // the pairs, cost more than the comparisons (measured).
  const order: number[] = [];
  for (let i = 0; i < params.length; i++) {
    const name = params[i]![0];
    if (name === 'Signature') continue;
    let at = order.length;
    while (at > 0 && params[order[at - 1]!]![0] > name) {
      order[at] = order[at - 1]!;
      at--;
    }
    order[at] = i;
  }
  // percentEncode of "k1=v1&k2=v2…" whose names and values are encoded already: only each pair's "=", the
  // "&" between pairs and the escapes' "%" change. Joined so in one go: the canonical string is not built,
  // then copied again by a replace.
  let text = `${method}&%2F&`;
  for (let j = 0; j < order.length; j++) {
    const pair = params[order[j]!]!;
    text += `${j === 0 ? '' : '%26'}${encodeTwice(pair[0])}%3D${encodeTwice(pair[1])}`;
  }
  return text;
}

function encodeTwice(value: string): string {
  return isUnreserved(value) ? value : encodeReserved(value).replaceAll('%', '%25');
}

/** `secret` is the AccessKeySecret, or its prepared keys from hmacKeys (made once per key). */
export function signV1(secret: string | HmacKeys, stringToSign: string): string {
  return hmac(typeof secret === 'string' ? hmacKey('sha1', `${secret}&`) : secret.v1, stringToSign, 'base64');
}

/** An access key's secret as HMAC keys, for V1 (which appends "&") and V3. */
export interface HmacKeys {
  readonly v1: HmacKey;
  readonly v3: HmacKey;
}

export function hmacKeys(secret: string): HmacKeys {
  return { v1: hmacKey('sha1', `${secret}&`), v3: hmacKey('sha256', secret) };
}

export interface V3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`; undefined when malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const match = /^(\S+)\s+(.*)$/.exec(header.trim());
  if (match === null) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) return undefined;
  return { algorithm: match[1]!, accessKeyId: credential, signedHeaders: signedHeaders.split(';'), signature };
}

export interface V3Request {
  readonly method: string;
  readonly query: readonly (readonly [string, string])[];
  /** Every value of every header, by lower-case name. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function canonicalRequestV3(request: V3Request): string {
  const query = sorted(request.query).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  const names = [...request.signedHeaders].map((h) => h.toLowerCase()).sort();
  const headers = names.map((name) => `${name}:${[...(request.headers.get(name) ?? [])].map((v) => v.trim()).sort().join(',')}\n`).join('');
  return [request.method, '/', query, headers, names.join(';'), request.payloadHash].join('\n');
}

export function signV3(secret: string | HmacKeys, canonicalRequest: string): string {
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  return hmac(typeof secret === 'string' ? hmacKey('sha256', secret) : secret.v3, stringToSign, 'hex');
}

export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/** Compares signatures in constant time (length leaks nothing: both are fixed-length encodings). */
export function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
