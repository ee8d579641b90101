import { describe, expect, it } from 'vitest';
import { chooseStills } from './choose-stills.js';
import type { Pick } from './select.js';

const candidate = (shot: number, score: number) => ({ pick: { sample: { shot } } as unknown as Pick, score });

describe('chooseStills', () => {
  it('takes the best of each shot before a second moment of any shot, best first', () => {
    const chosen = chooseStills([candidate(1, 9), candidate(1, 8.5), candidate(2, 5), candidate(3, 6), candidate(1, 8)], 3);
    expect(chosen.map((c) => [c.pick.sample.shot, c.score])).toEqual([[1, 9], [3, 6], [2, 5]]);
  });

  it('fills up with more moments of the shots taken when there are no more shots', () => {
    const chosen = chooseStills([candidate(1, 9), candidate(1, 8.5), candidate(2, 5)], 3);
    expect(chosen.map((c) => c.score)).toEqual([9, 8.5, 5]);
    expect(chooseStills([candidate(1, 9)], 5)).toHaveLength(1);
  });
});
