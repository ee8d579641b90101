import { randomUUID } from 'node:crypto';
import { percentEncode, signV1, stringToSignV1 } from '../../src/api/rpc/signature.js';
import type { Credentials } from './service.js';

/**
 * Hand-signed V1 requests (the signer is checked against VOD's test vectors) for what the official clients
 * never send: XML, stale timestamps, replays, other signature methods.
 */
export function signedQuery(credentials: Credentials, params: Record<string, string>, overrides: Record<string, string | undefined> = {}, method = 'GET'): string {
  const all: Record<string, string | undefined> = {
    Format: 'JSON', Version: '2017-03-21', AccessKeyId: credentials.AccessKeyId, SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0', SignatureNonce: randomUUID(), Timestamp: `${new Date().toISOString().slice(0, 19)}Z`, ...params, ...overrides,
  };
  const pairs: [string, string][] = Object.entries(all).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as [string, string]]));
  const signature = overrides['Signature'] ?? signV1(credentials.AccessKeySecret, stringToSignV1(method, pairs));
  const signed: [string, string][] = [...pairs.filter(([k]) => k !== 'Signature'), ['Signature', signature]];
  return signed.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

export async function rawGet(endpoint: string, query: string): Promise<{ status: number; type: string; body: string; headers: Headers }> {
  const response = await fetch(`${endpoint}/?${query}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text(), headers: response.headers };
}
