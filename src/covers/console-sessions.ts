import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { AccessKey, ConsoleSession } from './model.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export interface SessionSettings {
  /** A session ends this long after sign-in, whatever happens. */
  readonly absoluteSeconds: number;
  /** …or this long after its last request. */
  readonly idleSeconds: number;
}

/** A session's expiry is written at most this often: a busy page does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Web console sign-in: an access key's ID and secret in, a session out. The session acts as that key's
 * account and nothing more; it ends at sign-out, on expiry, or as soon as the key is disabled. Only the
 * token's SHA-256 is stored.
 */
export class ConsoleSessions {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly settings: SessionSettings,
    private readonly throttle: SignInThrottle,
    /** The access key lookup the API uses (cached briefly), so a disabled key ends sessions as fast as requests. */
    private readonly findAccessKey: (id: string) => Promise<AccessKey | undefined>,
  ) {}

  /**
   * Checks the key and opens a session. Wrong ID, wrong secret and a disabled key get the same answer.
   * `client` is the caller's address: failures are counted per key and per address (rate_limited past 5
   * in 5 minutes, with details.retryAfterSeconds).
   */
  async signIn(accessKeyId: string, secret: string, client: string): Promise<{ token: string; session: ConsoleSession }> {
    const now = this.deps.clock.now();
    const names = [`key:${accessKeyId}`, `client:${client}`];
    const wait = this.throttle.waitMs(names, now.getTime());
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError('rate_limited', `Too many failed sign-ins. Try again in ${seconds} s.`, { details: { retryAfterSeconds: seconds } });
    }
    const key = await this.deps.store.findAccessKey(accessKeyId);
    if (key === undefined || key.status !== 'Active' || !sameSecret(key.secret, secret)) {
      this.throttle.fail(names, now.getTime());
      throw new AppError('unauthenticated', 'The AccessKey ID or AccessKey Secret is wrong, or the key is disabled.', { details: { accessKeyId, reason: 'credentials' } });
    }
    this.throttle.succeed(names[0]!);
    const token = this.deps.newToken(43);
    const session: ConsoleSession = {
      tokenHash: hashToken(token), accountId: key.accountId, accessKeyId: key.id, csrfToken: this.deps.newToken(32),
      createdAt: now, seenAt: now, expiresAt: this.expiry(now, now),
    };
    await this.deps.store.insertSession(session);
    return { token, session };
  }

  /** The live session a cookie's token names, or undefined (unknown, expired, or its key disabled). */
  async resolve(token: string): Promise<ConsoleSession | undefined> {
    if (!/^[A-Za-z0-9]{43}$/.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const session = await this.deps.store.findSession(tokenHash);
    if (session === undefined) return undefined;
    const now = this.deps.clock.now();
    if (session.expiresAt.getTime() <= now.getTime()) {
      await this.deps.store.deleteSession(tokenHash);
      return undefined;
    }
    const key = await this.findAccessKey(session.accessKeyId);
    if (key === undefined || key.status !== 'Active') {
      await this.deps.store.deleteSessionsOfKey(session.accessKeyId);
      return undefined;
    }
    if (now.getTime() - session.seenAt.getTime() < TOUCH_EVERY_MS) return session;
    const touched = { ...session, seenAt: now, expiresAt: this.expiry(session.createdAt, now) };
    await this.deps.store.touchSession(tokenHash, touched.seenAt, touched.expiresAt);
    return touched;
  }

  async signOut(token: string): Promise<void> {
    if (/^[A-Za-z0-9]{43}$/.test(token)) await this.deps.store.deleteSession(hashToken(token));
  }

  /** Removes expired sessions (they are refused anyway; this keeps the table small). */
  sweep(): Promise<number> {
    return this.deps.store.deleteExpiredSessions(this.deps.clock.now());
  }

  private expiry(createdAt: Date, seenAt: Date): Date {
    return new Date(Math.min(createdAt.getTime() + this.settings.absoluteSeconds * 1000, seenAt.getTime() + this.settings.idleSeconds * 1000));
  }
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function sameSecret(expected: string, given: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
