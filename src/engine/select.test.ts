import { describe, expect, it } from 'vitest';
import { blocks, blur, dim, seeded, solid } from '../../test/support/frames.js';
import { FeatureExtractor } from './features.js';
import { judgeSamples, pickMoments, trimWindow, type Sample } from './select.js';

const W = 160, H = 90;
const look = (frame: Uint8Array) => new FeatureExtractor(W, H).extract(frame);
const shotA = blocks(W, H, 8, seeded(11));
const shotB = blocks(W, H, 5, seeded(22));
const shotC = blocks(W, H, 12, seeded(33));

/** One sample every two seconds, like a keyframe pass over a 2 s GOP. */
function timelineOf(frames: Uint8Array[]): Sample[] {
  return frames.map((frame, i) => ({ time: i * 2, features: look(frame) }));
}

describe('judgeSamples and pickMoments', () => {
  const black = solid(W, H, [0, 0, 0]);
  const card = solid(W, H, [30, 40, 110]);
  const frames = [black, black, shotA, shotA, shotA, dim(shotA, 0.45), black, shotB, shotB, blur(shotC, W, H, 3), card, shotA, shotA, shotC, shotC, black];
  const samples = timelineOf(frames);
  const { judged } = judgeSamples(samples, frames.length * 2);

  it('flags black, flat, blurry and fading frames', () => {
    expect(judged[0]!.defects).toContain('dark');
    expect(judged[10]!.defects).toContain('uniform');
    expect(judged[9]!.defects).toContain('blurry');
    expect(judged[5]!.defects).toContain('transition');
    expect(judged[3]!.defects).toEqual([]);
  });

  it('picks one cover per look, most covered look first, never a defective frame', () => {
    const { picks, pool } = pickMoments(judged, 5);
    expect(pool).toBe('clean');
    expect(picks.map((p) => p.sample.defects)).toEqual(picks.map(() => []));
    const looksPicked = picks.map((p) => [2, 3, 4, 11, 12].includes(p.sample.index) ? 'A' : [7, 8].includes(p.sample.index) ? 'B' : [13, 14].includes(p.sample.index) ? 'C' : '?');
    expect(looksPicked[0]).toBe('A'); // five samples of A: the most relevant
    expect([...looksPicked].sort()).toEqual(['A', 'B', 'C']);
    expect(picks[0]!.relevance).toBe(1);
    expect(picks[1]!.relevance).toBeLessThan(1);
  });

  it('relaxes the filters only when nothing passes, and says so', () => {
    const dark = judgeSamples(timelineOf([black, dim(shotA, 0.05), black]), 6).judged;
    const { picks, pool } = pickMoments(dark, 5);
    expect(pool).toBe('relaxed');
    expect(picks.length).toBeGreaterThanOrEqual(1);
  });

  it('counts what each filter turned down', () => {
    const { rejected } = pickMoments(judged, 5);
    expect(rejected.dark).toBe(4);
    expect(rejected.uniform).toBeGreaterThanOrEqual(1);
  });

  it('skips the opening and closing moments only when there is something else', () => {
    expect(trimWindow(100)).toEqual({ start: 5, end: 95 });
    expect(trimWindow(600)).toEqual({ start: 5, end: 590 });
    const onlyAtStart = judgeSamples([{ time: 0, features: look(shotA) }, { time: 0.5, features: look(black) }], 30).judged;
    expect(pickMoments(onlyAtStart, 1).picks[0]!.sample.time).toBe(0);
  });

  it('returns nothing when asked for nothing', () => {
    expect(pickMoments(judged, 0).picks).toEqual([]);
  });
});
