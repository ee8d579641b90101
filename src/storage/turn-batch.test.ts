import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('hands over one group per key with what was added in one turn, in order, once the turn is over', async () => {
    const runs: [string, number[]][] = [];
    const batch = new TurnBatch<number>((key, items) => runs.push([key, items]));
    batch.add('a', 1);
    batch.add('b', 2);
    batch.add('a', 3);
    expect(runs).toEqual([]);
    await nextTurn();
    expect(runs).toEqual([['a', [1, 3]], ['b', [2]]]);
    batch.add('a', 4);
    await nextTurn();
    expect(runs).toEqual([['a', [1, 3]], ['b', [2]], ['a', [4]]]);
  });
});
