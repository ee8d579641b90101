import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * CDN URL authentication, type A: `?auth_key=<ts>-<rand>-<uid>-<md5(path-ts-rand-uid-key)>`. The same URLs
 * work behind a real CDN or nginx configured with the same key. A primary and a secondary key are both
 * accepted so that keys can be rotated without breaking URLs already handed out.
 */
export interface UrlAuthOptions {
  readonly primaryKey: string;
  readonly secondaryKey?: string | undefined;
  /** Seconds a URL stays valid after its timestamp. */
  readonly validitySeconds: number;
  /** Random, no '-': passed in so tests can fix it. */
  readonly rand: () => string;
}

/** Distinct files signed within one second before the memo starts over (bounds its memory). */
const MAX_SIGNED_PER_SECOND = 10_000;

export class UrlAuth {
  /**
   * The URL handed out for each path during the current second. A signature is a pure function of path,
   * second and rand, so everyone asking for a file within one second gets the same, equally valid URL;
   * the MD5 per cover per request was a tenth of a ListAIImageInfo call's cost (bench:api).
   */
  private signed = new Map<string, string>();
  private signedSecond = -1;

  constructor(private readonly options: UrlAuthOptions) {}

  /** `path` starts with '/'; returns the path with its auth_key query. */
  sign(path: string, now: Date): string {
    const ts = Math.floor(now.getTime() / 1000);
    if (ts !== this.signedSecond || this.signed.size >= MAX_SIGNED_PER_SECOND) {
      this.signed = new Map();
      this.signedSecond = ts;
    }
    let url = this.signed.get(path);
    if (url === undefined) {
      const rand = this.options.rand().replace(/-/g, '');
      url = `${path}?auth_key=${ts}-${rand}-0-${digest(path, ts, rand, '0', this.options.primaryKey)}`;
      this.signed.set(path, url);
    }
    return url;
  }

  /** Whether `authKey` is a valid, unexpired signature of `path`. */
  verify(path: string, authKey: string | undefined, now: Date): boolean {
    if (authKey === undefined) return false;
    const match = /^(\d{1,12})-([^-]{1,64})-([^-]{1,64})-([0-9a-f]{32})$/.exec(authKey);
    if (match === null) return false;
    const [, tsText, rand, uid, hash] = match as unknown as [string, string, string, string, string];
    const ts = Number(tsText);
    if (ts + this.options.validitySeconds < now.getTime() / 1000) return false;
    const keys = [this.options.primaryKey, this.options.secondaryKey].filter((k): k is string => k !== undefined && k !== '');
    let ok = false;
    // Every key is checked (no early exit), each comparison in constant time.
    for (const key of keys) ok = constantTimeEqual(digest(path, ts, rand, uid, key), hash) || ok;
    return ok;
  }
}

export function digest(path: string, ts: number, rand: string, uid: string, key: string): string {
  return createHash('md5').update(`${path}-${ts}-${rand}-${uid}-${key}`).digest('hex');
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
