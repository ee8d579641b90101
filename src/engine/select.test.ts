import { describe, expect, it } from 'vitest';
import { blocks, blur, dim, seeded, solid } from '../../test/support/frames.js';
import { FeatureExtractor } from './features.js';
import { isDistinct, judgeSamples, pickMoments, trimWindow, type Sample } from './select.js';

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

  it('picks one cover per look, most covered look first, never a defective frame or a repeat of a picture', () => {
    const { picks, pool } = pickMoments(judged, 5);
    expect(pool).toBe('clean');
    expect(picks.map((p) => p.sample.defects)).toEqual(picks.map(() => []));
    const looksPicked = picks.map((p) => [2, 3, 4, 11, 12].includes(p.sample.index) ? 'A' : [7, 8].includes(p.sample.index) ? 'B' : [13, 14].includes(p.sample.index) ? 'C' : '?');
    expect(looksPicked[0]).toBe('A'); // five samples of A: the most relevant
    // The same three pictures come back again and again: asking for five still gives three, not repeats.
    expect([...looksPicked].sort()).toEqual(['A', 'B', 'C']);
    expect(picks.map((p) => p.reason.kind)).toEqual(['best', 'shot', 'shot']);
    expect(picks[0]!.relevance).toBe(1);
    expect(picks[1]!.relevance).toBeLessThan(1);
  });

  it('fills the number asked from different moments of one continuous take, spread over it', () => {
    // A pan: every sample shows the next part of one wide picture, with no cut between them.
    const wide = blocks(W * 6, H, 24, seeded(5));
    const crop = (x: number) => {
      const f = new Uint8Array(W * H * 3);
      for (let y = 0; y < H; y++) f.set(wide.subarray((y * W * 6 + x) * 3, (y * W * 6 + x + W) * 3), y * W * 3);
      return f;
    };
    const pan = Array.from({ length: 30 }, (_, i) => ({ time: i * 2, features: look(crop(i * 8)) }));
    const { judged: take } = judgeSamples(pan, 60);
    expect(new Set(take.map((s) => s.shot)).size).toBe(1);
    const { picks } = pickMoments(take, 5);
    expect(picks).toHaveLength(5);
    const times = picks.map((p) => p.sample.time).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(6);
    for (const [i, a] of picks.entries()) for (const b of picks.slice(i + 1)) expect(isDistinct(a.sample, b.sample)).toBe(true);
    expect(picks.slice(1).map((p) => p.reason.kind).filter((k) => k === "shot")).toEqual([]);
  });

  it('gives one still of a static slide, however grainy', () => {
    const slide = blocks(W, H, 30, seeded(9));
    const random = seeded(3);
    const grainy = () => slide.map((v) => Math.max(0, Math.min(255, Math.round(v + (random() - 0.5) * 24))));
    const samples = Array.from({ length: 20 }, (_, i) => ({ time: i * 0.5, features: look(grainy()) }));
    const { judged: still } = judgeSamples(samples, 10);
    expect(pickMoments(still, 5).picks).toHaveLength(1);
  });

  it('never takes a frame the decoder reported as damaged, even when nothing else passes', () => {
    const samples = [{ time: 0, features: look(black) }, { time: 2, features: look(shotA), corrupt: true }, { time: 4, features: look(black) }];
    const { judged: broken } = judgeSamples(samples, 6);
    expect(broken[1]!.defects).toContain('damaged');
    const { picks } = pickMoments(broken, 5);
    expect(picks.map((p) => p.sample.time)).not.toContain(2);
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
