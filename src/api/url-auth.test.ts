import { describe, expect, it } from 'vitest';
import { digest, UrlAuth } from './url-auth.js';

const now = new Date('2026-01-01T00:00:00Z');
const auth = new UrlAuth({ primaryKey: 'primary', secondaryKey: 'secondary', validitySeconds: 1800, rand: () => 'r4nd' });

describe('type-A URL authentication', () => {
  it('matches the CDN documentation test vector', () => {
    expect(digest('/video/standard/1K.html', 1444435200, '0', '0', 'aliyuncdnexp1234')).toBe('80cd3862d699b7118eed99103f2a3a4f');
  });

  it('signs a path so that it verifies until it expires', () => {
    const url = auth.sign('/v/image/ai/j-00001.png', now);
    const key = new URL(url, 'http://x').searchParams.get('auth_key')!;
    expect(key).toMatch(/^1767225600-r4nd-0-[0-9a-f]{32}$/);
    expect(auth.verify('/v/image/ai/j-00001.png', key, now)).toBe(true);
    expect(auth.verify('/v/image/ai/j-00001.png', key, new Date(now.getTime() + 1800_000))).toBe(true);
    expect(auth.verify('/v/image/ai/j-00001.png', key, new Date(now.getTime() + 1801_000))).toBe(false);
  });

  it('refuses a key for another path, a tampered key and no key', () => {
    const key = new URL(auth.sign('/a.png', now), 'http://x').searchParams.get('auth_key')!;
    expect(auth.verify('/b.png', key, now)).toBe(false);
    expect(auth.verify('/a.png', key.replace(/.$/, (c) => (c === '0' ? '1' : '0')), now)).toBe(false);
    expect(auth.verify('/a.png', key.replace(/^\d+/, (t) => String(Number(t) + 1000)), now)).toBe(false);
    expect(auth.verify('/a.png', undefined, now)).toBe(false);
    expect(auth.verify('/a.png', 'garbage', now)).toBe(false);
  });

  it('accepts URLs signed with the secondary key, for rotation', () => {
    const old = new UrlAuth({ primaryKey: 'secondary', validitySeconds: 1800, rand: () => '0' });
    const key = new URL(old.sign('/a.png', now), 'http://x').searchParams.get('auth_key')!;
    expect(auth.verify('/a.png', key, now)).toBe(true);
    expect(new UrlAuth({ primaryKey: 'primary', validitySeconds: 1800, rand: () => '0' }).verify('/a.png', key, now)).toBe(false);
  });

  it('hands out one URL per file per second, and a fresh one with a fresh rand the next second', () => {
    let draws = 0;
    const counting = new UrlAuth({ primaryKey: 'primary', validitySeconds: 1800, rand: () => `r${++draws}` });
    const first = counting.sign('/a.png', now);
    expect(counting.sign('/a.png', new Date(now.getTime() + 999))).toBe(first);
    expect(counting.sign('/b.png', now)).not.toBe(first);
    const next = counting.sign('/a.png', new Date(now.getTime() + 1000));
    expect(next).not.toBe(first);
    expect(next).toContain('auth_key=1767225601-r3-0-');
    expect(counting.verify('/a.png', new URL(next, 'http://x').searchParams.get('auth_key')!, now)).toBe(true);
  });
});
