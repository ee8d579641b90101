import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { NonceWindow } from './nonce-window.js';

/** A seeded generator (mulberry32): the same operations on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('NonceWindow', () => {
  it('answers like a Map with expiry through growth, re-remembering and forgetting, on 60 000 random operations', () => {
    const next = random(7);
    // A small start, so that the table and the queue both grow many times.
    const window = new NonceWindow(16);
    const model = new Map<string, number>();
    const ids: string[] = [];
    let now = 1_000_000;
    for (let step = 0; step < 60_000; step++) {
      const r = next();
      now += Math.floor(next() * 20);
      if (r < 0.55 || ids.length === 0) {
        const id = `key\u0000nonce-${ids.length}-${Math.floor(next() * 1e9)}`;
        ids.push(id);
        const until = now + 500 + Math.floor(next() * 2000);
        window.set(id, until);
        model.set(id, until);
      } else if (r < 0.7) {
        // The same nonce again, later (a replay that the ledger would refuse, or a reload from the log).
        const id = ids[Math.floor(next() * ids.length)]!;
        const until = now + 500 + Math.floor(next() * 2000);
        window.set(id, until);
        model.set(id, until);
      } else if (r < 0.8) {
        const dropped = window.forget(now, 1 + Math.floor(next() * 40));
        expect(dropped).toBeGreaterThanOrEqual(0);
      } else {
        const id = ids[Math.floor(next() * ids.length)]!;
        // Whether the id is remembered now is what replay protection asks.
        expect(window.get(id) >= now, id).toBe((model.get(id) ?? -Infinity) >= now);
      }
    }
    // Every id, checked at the end; a full forget keeps every live one (and, as it stops at the first
    // live id, maybe some expired ones behind it); once all have expired, nothing is left.
    window.forget(now, Infinity);
    for (const id of ids) expect(window.get(id) >= now).toBe((model.get(id) ?? -Infinity) >= now);
    expect(window.size).toBeGreaterThanOrEqual([...model.values()].filter((until) => until >= now).length);
    expect(window.size).toBeLessThanOrEqual(model.size);
    window.forget(now + 10_000, Infinity);
    expect(window.size).toBe(0);
    for (const id of ids) expect(window.get(id)).toBe(-Infinity);
  });

  it('grows a few entries at a time: ids still in the old table are found, re-remembered and forgotten; the queue empties and refills', () => {
    const window = new NonceWindow(16);
    // Two groups, interleaved: the first expires at 1000, the second at 5000. 40 000 ids cross the
    // queue's blocks (16 384) and many growths, and each growth is still under way for a while.
    for (let i = 0; i < 40_000; i++) window.set(`k\u0000${i}`, i % 2 === 0 ? 1000 : 5000);
    // Re-remembered, later: whichever table each is in now, it keeps the later time and is not forgotten.
    for (let i = 0; i < 40_000; i += 1000) window.set(`k\u0000${i}`, 9000);
    expect(window.size).toBe(40_000);
    window.forget(2000, 3);
    for (let i = 0; i < 40_000; i += 7) {
      const expected = i % 1000 === 0 ? 9000 : i % 2 === 0 ? 1000 : 5000;
      // Forgotten or not, an expired id is not remembered at 2000; the others keep their times.
      if (expected === 1000) expect(window.get(`k\u0000${i}`)).toBeLessThan(2000);
      else expect(window.get(`k\u0000${i}`), String(i)).toBe(expected);
    }
    window.forget(6000, Infinity);
    expect(window.size).toBe(40);
    window.forget(10_000, Infinity);
    expect(window.size).toBe(0);
    // Empty, then used again from the start.
    for (let i = 0; i < 20_000; i++) window.set(`again\u0000${i}`, 20_000 + i);
    expect(window.size).toBe(20_000);
    expect(window.forget(30_000, Infinity)).toBe(10_000);
    expect(window.get('again\u000019999')).toBe(39_999);
    expect(window.get('again\u00009999')).toBe(-Infinity);
  });

  it('never forgets an id that is still remembered, whatever the budget', () => {
    const window = new NonceWindow();
    for (let i = 0; i < 1000; i++) window.set(`k\u0000${i}`, i % 2 === 0 ? 100 : 10_000);
    expect(window.forget(5000, Infinity)).toBeLessThanOrEqual(1);
    // The queue is in insertion order and stops at the first live id: the second id is live.
    for (let i = 1; i < 1000; i += 2) expect(window.get(`k\u0000${i}`)).toBe(10_000);
    window.forget(20_000, Infinity);
    expect(window.size).toBe(0);
  });

  it('keeps its entries outside the JavaScript heap', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const window = new NonceWindow();
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 200_000; i++) window.set(`LTAI5tExampleKey\u0000${i.toString(36)}-0f4c1c2e-9b7e-4e5e-8d3a-2f1d3c4b5a69`, 1e12 + i);
    gc();
    const after = process.memoryUsage();
    expect(window.size).toBe(200_000);
    // 200 000 Map entries with such keys took ~30 MB of heap.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(3_000_000);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(200_000 * 100);
  });
});
