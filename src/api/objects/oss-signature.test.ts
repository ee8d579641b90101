import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseV1Authorization, parseV4Authorization, signV1, signV4, stringToSignV1, stringToSignV4, type SignedRequest } from './oss-signature.js';

const require = createRequire(import.meta.url);
/** ali-oss's own signer: what the server computes must be what the client computed. */
const signUtils = require('ali-oss/lib/common/signUtils') as {
  buildCanonicalString(method: string, resource: string, request: { headers: Record<string, string>; parameters?: unknown }): string;
  computeSignature(secret: string, canonical: string): string;
  authorizationV4(ak: string, sk: string, region: string, method: string, request: { headers: Record<string, string>; queries?: Record<string, unknown> }, bucket: string, object: string, additional?: string[]): string;
};

const request = (over: Partial<SignedRequest> = {}): SignedRequest => ({
  method: 'PUT',
  headers: new Map([['content-type', 'video/mp4'], ['x-oss-date', 'Tue, 01 Dec 2026 19:19:28 GMT'], ['x-oss-security-token', 'TOKEN123']]),
  query: [],
  bucket: 'outin-abc123',
  key: 'sv/5a1b2c3d-18f/5a1b2c3d-18f.mp4',
  ...over,
});

describe('OSS signature V1', () => {
  it("builds the spec's string to sign, byte for byte", () => {
    expect(stringToSignV1(request())).toBe('PUT\n\nvideo/mp4\nTue, 01 Dec 2026 19:19:28 GMT\nx-oss-date:Tue, 01 Dec 2026 19:19:28 GMT\nx-oss-security-token:TOKEN123\n/outin-abc123/sv/5a1b2c3d-18f/5a1b2c3d-18f.mp4');
  });

  it('signs what ali-oss signs, sub-resources included, other query parameters not', () => {
    const headers = { 'content-type': 'video/mp4', 'x-oss-date': 'Tue, 01 Dec 2026 19:19:28 GMT', 'x-oss-security-token': 'T', 'x-oss-meta-a': ' b ' };
    for (const [query, parameters] of [[[['uploads', '']], { uploads: '' }], [[['uploadId', 'U1'], ['partNumber', '7']], { partNumber: 7, uploadId: 'U1' }]] as const) {
      const ours = stringToSignV1(request({ headers: new Map(Object.entries(headers)), query: [...query, ['unrelated', 'x']] }));
      const theirs = signUtils.buildCanonicalString('PUT', '/outin-abc123/sv/5a1b2c3d-18f/5a1b2c3d-18f.mp4', { headers, parameters });
      expect(ours).toBe(theirs);
      expect(signV1('SECRET', ours)).toBe(signUtils.computeSignature('SECRET', theirs));
    }
  });

  it('parses the Authorization header, and nothing else', () => {
    expect(parseV1Authorization('OSS STS.abc:c2lnbmF0dXJl')).toEqual({ accessKeyId: 'STS.abc', signature: 'c2lnbmF0dXJl' });
    expect(parseV1Authorization('OSS nocolon')).toBeUndefined();
    expect(parseV1Authorization('AWS4-HMAC-SHA256 Credential=x')).toBeUndefined();
  });
});

describe('OSS signature V4', () => {
  it("verifies ali-oss's V4 Authorization, with the query, additional headers and an encoded key", () => {
    const headers = { 'content-type': 'video/mp4', 'x-oss-date': '20261201T191952Z', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-security-token': 'T', host: 'h' };
    const key = 'sv/a b+c/ü.mp4';
    const header = signUtils.authorizationV4('STS.k', 'SECRET', 'cn-hangzhou', 'PUT', { headers, queries: { partNumber: 2, uploadId: 'U' } }, 'outin-abc123', key, ['host']);
    const auth = parseV4Authorization(header)!;
    expect(auth).toMatchObject({ accessKeyId: 'STS.k', date: '20261201', region: 'cn-hangzhou', product: 'oss', additionalHeaders: ['host'] });
    const signed = request({ headers: new Map(Object.entries(headers)), query: [['uploadId', 'U'], ['partNumber', '2']], key });
    expect(signV4('SECRET', auth, stringToSignV4(signed, auth))).toBe(auth.signature);
    expect(signV4('SECRET2', auth, stringToSignV4(signed, auth))).not.toBe(auth.signature);
    expect(signV4('SECRET', auth, stringToSignV4({ ...signed, key: 'sv/other.mp4' }, auth))).not.toBe(auth.signature);
  });

  it('signs a sub-resource without a value by its bare name', () => {
    const headers = { 'x-oss-date': '20261201T191952Z', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' };
    const auth = parseV4Authorization(signUtils.authorizationV4('AK', 'S', 'cn-hangzhou', 'POST', { headers, queries: { uploads: null } }, 'b-1', 'k.mp4'))!;
    expect(signV4('S', auth, stringToSignV4({ method: 'POST', headers: new Map(Object.entries(headers)), query: [['uploads', '']], bucket: 'b-1', key: 'k.mp4' }, auth))).toBe(auth.signature);
  });

  it('refuses malformed V4 headers', () => {
    expect(parseV4Authorization('OSS4-HMAC-SHA256 Credential=AK/2026/cn/oss/aliyun_v4_request,Signature=abc')).toBeUndefined();
    expect(parseV4Authorization('OSS4-HMAC-SHA256 Signature=' + 'a'.repeat(64))).toBeUndefined();
  });
});
