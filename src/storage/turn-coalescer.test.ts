import { describe, expect, it } from 'vitest';
import { TurnCoalescer } from './turn-coalescer.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnCoalescer', () => {
  it('answers same-key reads of one turn with one load, and different keys with their own', async () => {
    const loads: string[] = [];
    const reads = new TurnCoalescer<string>();
    const load = (key: string) => () => { loads.push(key); return Promise.resolve(`value of ${key}`); };
    const answers = await Promise.all([reads.get('a', load('a')), reads.get('a', load('a')), reads.get('b', load('b')), reads.get('a', load('a'))]);
    expect(answers).toEqual(['value of a', 'value of a', 'value of b', 'value of a']);
    expect(loads.sort()).toEqual(['a', 'b']);
  });

  it('never joins a read already sent: a caller after it gets a load of its own, which sees later writes', async () => {
    let stored = 'old';
    let release = () => {};
    const reads = new TurnCoalescer<string>();
    const slowRead = () => { const seen = stored; return new Promise<string>((resolve) => { release = () => resolve(seen); }); };
    const first = reads.get('k', slowRead);
    await nextTurn(); // the first read is sent and takes its snapshot
    stored = 'new'; // a write commits while that read is in flight
    const second = reads.get('k', () => Promise.resolve(stored));
    release();
    expect(await first).toBe('old');
    expect(await second).toBe('new');
  });

  it('gives every caller of a failed load the error, and loads again afterwards', async () => {
    const reads = new TurnCoalescer<number>();
    const failing = () => Promise.reject(new Error('database gone'));
    const results = await Promise.allSettled([reads.get('k', failing), reads.get('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await reads.get('k', () => Promise.resolve(7))).toBe(7);
  });
});
