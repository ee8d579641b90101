import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * Temporary upload credentials, as CreateUploadVideo hands them out: an AccessKeyId, a secret and a
 * security token, good for one account's one object key until they expire. Nothing is stored: the token
 * carries its claims under an HMAC of the server's upload key, and the secret is an HMAC of the token's
 * claims, so the endpoint re-derives it to check a signature. Rotating the server key ends every
 * credential at once.
 */
export interface UploadClaims {
  readonly accountId: string;
  /** The one object key this credential may write (e.g. sv/<VideoId>/<VideoId>.mp4). */
  readonly objectKey: string;
  readonly expiresAt: Date;
}

export interface UploadCredential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly expiresAt: Date;
}

/** Temporary key ids start like Alibaba's STS ones, so logs and people can tell them from ordinary keys. */
export const TEMPORARY_KEY_PREFIX = 'STS.';
const TOKEN_VERSION = 'sc1';

export class UploadCredentials {
  constructor(
    /** The server's upload key (a setting, or generated once and kept in the database). */
    private readonly serverKey: string,
    /** Random letters and digits, `length` long: passed in so tests can fix it. */
    private readonly newToken: (length: number) => string,
  ) {}

  issue(claims: UploadClaims): UploadCredential {
    const accessKeyId = TEMPORARY_KEY_PREFIX + this.newToken(24);
    const payload = Buffer.from(JSON.stringify({ i: accessKeyId, a: claims.accountId, k: claims.objectKey, e: Math.floor(claims.expiresAt.getTime() / 1000) })).toString('base64url');
    const securityToken = `${TOKEN_VERSION}.${payload}.${this.mac('token', payload)}`;
    return { accessKeyId, accessKeySecret: this.mac('secret', payload), securityToken, expiresAt: new Date(Math.floor(claims.expiresAt.getTime() / 1000) * 1000) };
  }

  /**
   * The claims of a security token presented with `accessKeyId`, and the secret that signs with it.
   * A token that was not issued here (or not with that key id) is `unauthenticated`; an expired one is
   * `unauthenticated` with details.reason 'expired', so clients know to call RefreshUploadVideo.
   */
  open(accessKeyId: string, securityToken: string, now: Date): { claims: UploadClaims; secret: string } {
    const [version, payload, mac, ...rest] = securityToken.split('.');
    if (version !== TOKEN_VERSION || payload === undefined || mac === undefined || rest.length > 0 || !sameText(this.mac('token', payload), mac)) {
      throw new AppError('unauthenticated', 'The security token you provided is invalid.', { details: { reason: 'invalid_token' } });
    }
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i: string; a: string; k: string; e: number };
    if (body.i !== accessKeyId) throw new AppError('unauthenticated', 'The security token was not issued for this AccessKeyId.', { details: { reason: 'invalid_token' } });
    if (body.e * 1000 <= now.getTime()) throw new AppError('unauthenticated', 'The security token you provided has expired.', { details: { reason: 'expired' } });
    return { claims: { accountId: body.a, objectKey: body.k, expiresAt: new Date(body.e * 1000) }, secret: this.mac('secret', payload) };
  }

  private mac(purpose: string, payload: string): string {
    return createHmac('sha256', this.serverKey).update(`${purpose}|${payload}`).digest('base64url');
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
