import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { UploadCredentials } from './upload-credentials.js';

const now = new Date('2026-12-01T19:00:00Z');
const claims = { accountId: 'acct', objectKey: 'sv/a/a.mp4', expiresAt: new Date(now.getTime() + 3000_000) };
let n = 0;
const credentials = new UploadCredentials('server-key-0123456789', (length) => String(++n).padStart(length, 'x'));

function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (isAppError(error, 'unauthenticated')) return String(error.details['reason']);
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('temporary upload credentials', () => {
  it('carry their claims and re-derive the same secret, with nothing stored', () => {
    const issued = credentials.issue(claims);
    expect(issued.accessKeyId).toMatch(/^STS\./);
    const opened = credentials.open(issued.accessKeyId, issued.securityToken, now);
    expect(opened.claims).toEqual(claims);
    expect(opened.secret).toBe(issued.accessKeySecret);
    // A second credential for the same object has its own id and secret.
    const other = credentials.issue(claims);
    expect(other.accessKeyId).not.toBe(issued.accessKeyId);
    expect(other.accessKeySecret).not.toBe(issued.accessKeySecret);
  });

  it('refuse a tampered token, a token shown with another key id, another server key, and an expired token', () => {
    const issued = credentials.issue(claims);
    const [version, payload, mac] = issued.securityToken.split('.') as [string, string, string];
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), k: 'sv/b/b.mp4' })).toString('base64url');
    expect(refusal(() => credentials.open(issued.accessKeyId, `${version}.${widened}.${mac}`, now))).toBe('invalid_token');
    expect(refusal(() => credentials.open('STS.someoneelse', issued.securityToken, now))).toBe('invalid_token');
    expect(refusal(() => new UploadCredentials('another-server-key-000', () => 'x').open(issued.accessKeyId, issued.securityToken, now))).toBe('invalid_token');
    expect(refusal(() => credentials.open(issued.accessKeyId, 'garbage', now))).toBe('invalid_token');
    expect(refusal(() => credentials.open(issued.accessKeyId, issued.securityToken, claims.expiresAt))).toBe('expired');
  });
});
