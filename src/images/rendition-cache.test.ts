import { existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenditionCache } from './rendition-cache.js';

const hash = (n: number) => n.toString(16).padStart(64, '0');
const files = (dir: string) => readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.')).length;

describe('RenditionCache', () => {
  it('stays within its byte bound, dropping the least recently used first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renditions-'));
    const cache = await new RenditionCache(dir, 1000).open();
    for (let n = 1; n <= 3; n++) await cache.put(hash(n), 'webp', Buffer.alloc(300, n));
    expect(cache.get(hash(1))).toBeDefined(); // 1 is now the most recent
    await cache.put(hash(4), 'webp', Buffer.alloc(300, 4));
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.get(hash(2))).toBeUndefined();
    expect(cache.get(hash(1))).toBeDefined();
    expect(cache.get(hash(4))?.bytes).toBe(300);
    expect(files(dir)).toBe(3);
    // Larger than the whole bound: not kept, nothing else dropped for it.
    await cache.put(hash(5), 'png', Buffer.alloc(1001));
    expect(cache.get(hash(5))).toBeUndefined();
    expect(files(dir)).toBe(3);
  });

  it("finds what an earlier run left, drops a write that never finished, and evicts down to a lowered bound", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renditions-'));
    const first = await new RenditionCache(dir, 10_000).open();
    for (let n = 1; n <= 4; n++) await first.put(hash(n), 'jpg', Buffer.alloc(400, n));
    mkdirSync(join(dir, '00'), { recursive: true });
    const partial = join(dir, '00', `${hash(9)}.jpg.123.tmp`);
    writeFileSync(partial, 'half');
    const second = await new RenditionCache(dir, 900).open();
    expect(existsSync(partial)).toBe(false);
    expect(second.bytes).toBe(800);
    expect(files(dir)).toBe(2);
    const kept = [1, 2, 3, 4].filter((n) => second.get(hash(n)) !== undefined);
    expect(kept).toHaveLength(2);
  });
});
