import { describe, expect, it } from 'vitest';
import { needsTimedSampling, timedRate } from './scan.js';

describe('when keyframes are not enough to choose from', () => {
  const every = (step: number, until: number) => Array.from({ length: Math.floor(until / step) + 1 }, (_, i) => i * step);

  it('keeps the keyframe pass for a regular GOP, short or long', () => {
    expect(needsTimedSampling(every(2, 600), 600)).toBe(false);
    expect(needsTimedSampling(every(10, 3600), 3600)).toBe(false);
    expect(needsTimedSampling(every(0.04, 1), 1)).toBe(false); // an all-intra second: 26 keyframes
  });

  it('samples at a fixed rate when there are too few keyframes (one IDR, intra refresh, a short clip)', () => {
    expect(needsTimedSampling([0], 600)).toBe(true);
    expect(needsTimedSampling(every(2, 12), 12)).toBe(true); // 7 keyframes in 12 s
    expect(needsTimedSampling(every(0.5, 1.3), 1.36)).toBe(true); // 3 keyframes: a clip this short wants ten a second
  });

  it('samples at a fixed rate when the keyframes leave much of the video unseen (a decoder that lost an open GOP\'s)', () => {
    // Keyframes every 2 s for the first minute, then none seen in the last nine.
    expect(needsTimedSampling(every(2, 60), 600)).toBe(true);
    // A 10 s GOP is a gap of 10 s: fine.
    expect(needsTimedSampling(every(10, 120), 120)).toBe(false);
  });

  it('samples about a hundred frames, between 0.2 and 10 a second', () => {
    expect(timedRate(10)).toBe(10);
    expect(timedRate(100)).toBe(1);
    expect(timedRate(3600)).toBe(0.2);
    expect(timedRate(NaN)).toBe(2);
  });
});
