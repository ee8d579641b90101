import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { authorization, stringToSign } from './oss-sign.js';

// ali-oss's own signer: the browser's signature must be the one the official client makes.
const require = createRequire(import.meta.url);
const signUtils = require('ali-oss/lib/common/signUtils.js') as {
  buildCanonicalString(method: string, resource: string, request: { headers: Record<string, string>; parameters?: Record<string, string> }): string;
  computeSignature(secret: string, canonical: string): string;
};

describe('the console\'s OSS V1 signature', () => {
  it('matches ali-oss for a part upload with a security token', () => {
    const headers = { 'content-type': 'application/octet-stream', 'x-oss-date': 'Wed, 02 Dec 2026 10:00:00 GMT', 'x-oss-security-token': 'sc1.abc.def' };
    const request = { method: 'PUT', bucket: 'smartcover-uploads', key: 'sv/abc/abc.mp4', query: [['uploadId', 'u1'], ['partNumber', '3']] as const, headers };
    const theirs = signUtils.buildCanonicalString('PUT', '/smartcover-uploads/sv/abc/abc.mp4?partNumber=3&uploadId=u1', { headers });
    expect(stringToSign(request)).toBe(theirs);
    expect(authorization('STS.key', 'secret', request)).toBe(`OSS STS.key:${signUtils.computeSignature('secret', theirs)}`);
  });
});
