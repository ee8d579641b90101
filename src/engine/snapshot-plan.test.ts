import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { shotSize, shotTimes } from './snapshot-plan.js';

describe('shotTimes', () => {
  it('follows the interval from the offset while Count allows and the video lasts, whichever gives fewer', () => {
    expect(shotTimes({ count: 4, interval: 3, offsetMs: 0 }, 12)).toEqual([0, 3, 6, 9]);
    expect(shotTimes({ count: 100, interval: 5, offsetMs: 1000 }, 12)).toEqual([1, 6, 11]);
    expect(shotTimes({ count: 1, interval: 1, offsetMs: 2500 }, 12)).toEqual([2.5]);
  });

  it('spreads Count evenly from the offset with interval 0, and takes explicit times as they are', () => {
    expect(shotTimes({ count: 4, interval: 0, offsetMs: 2000 }, 10)).toEqual([2, 4, 6, 8]);
    expect(shotTimes({ count: 9, interval: 9, offsetMs: 0, offsetsMs: [500, 100, 9000] }, 10)).toEqual([0.5, 0.1, 9]);
  });

  it('refuses a time past the end', () => {
    for (const schedule of [{ count: 1, interval: 1, offsetMs: 11_000 }, { count: 1, interval: 1, offsetMs: 0, offsetsMs: [1000, 10_001] }]) {
      let error: unknown;
      try {
        shotTimes(schedule, 10);
      } catch (caught) {
        error = caught;
      }
      expect(isAppError(error, 'invalid_argument') && error.details['reason']).toBe('time');
    }
  });
});

describe('shotSize', () => {
  it('keeps the aspect when one side is given, and the picture\'s size when none is', () => {
    expect(shotSize({ width: 1920, height: 1080 }, 320, undefined)).toEqual({ width: 320, height: 180 });
    expect(shotSize({ width: 1920, height: 1080 }, undefined, 90)).toEqual({ width: 160, height: 90 });
    expect(shotSize({ width: 1920, height: 1080 }, 100, 100)).toEqual({ width: 100, height: 100 });
    expect(shotSize({ width: 640, height: 360 }, undefined, undefined)).toEqual({ width: 640, height: 360 });
  });
});
