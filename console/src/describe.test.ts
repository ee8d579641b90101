import { describe, expect, it } from 'vitest';
import { bytes, clock, describeScores } from './describe.js';

describe('describeScores', () => {
  it('says what stands out in a still, and nothing about ordinary values', () => {
    expect(describeScores({ faces: 0.8, eyes: 1, text: 1, subtitles: 1, sharpness: 0.9, exposure: 0.5, relevance: 0.5, stillness: 0.5 }, 'png'))
      .toEqual(['face, eyes open', 'sharp']);
    expect(describeScores({ faces: 0.5, eyes: 0, text: 0.2, subtitles: 0, sharpness: 0.2, exposure: 0.1 }, 'png'))
      .toEqual(['face, eyes closed', 'text over the picture', 'subtitles', 'blurry', 'badly exposed']);
    expect(describeScores({ faces: 0, eyes: 0.5, sharpness: 0.5 }, 'png')).toEqual([]);
  });

  it('speaks of motion for a GIF and of steadiness for a still', () => {
    expect(describeScores({ motion: 0.9, stillness: 0.1 }, 'gif')).toEqual(['lively motion']);
    expect(describeScores({ motion: 0.9, stillness: 0.1 }, 'png')).toEqual(['caught in motion']);
  });
});

describe('clock and bytes', () => {
  it('formats for people', () => {
    expect(clock(65.9)).toBe('1:05');
    expect(clock(3723)).toBe('1:02:03');
    expect(bytes(999)).toBe('999 B');
    expect(bytes(12_345_678)).toBe('12 MB');
    expect(bytes(1_500)).toBe('1.5 kB');
  });
});
