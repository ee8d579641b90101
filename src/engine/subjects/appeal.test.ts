import { describe, expect, it } from 'vitest';
import { appealOf, clarity } from './appeal.js';
import { coveredByText, isSubtitleLine, judgeEyes, wantsLandmarks, type FaceReading, type SubjectReading } from './examine.js';

const FRAME = { width: 640, height: 360 };
/** A clear face: frontal, eyes open, a third of the frame tall, in the middle, sharp and well exposed. */
const face = (over: Partial<FaceReading> = {}): FaceReading => ({
  box: { x: 260, y: 100, width: 120, height: 120 }, confidence: 0.95, size: 1 / 3, cut: false, eyes: 'open',
  yaw: 3, pitch: -4, sharpness: 0.8, exposure: 0.9, ...over,
});
const reading = (over: Partial<SubjectReading> = {}): SubjectReading => ({ faces: [], text: [], subtitles: [], ...over });

describe('appealOf: what subjects make of a frame', () => {
  it('lifts a frame with a clear face over one without, and says why in the sub-scores', () => {
    const portrait = appealOf(reading({ faces: [face()] }), FRAME);
    const empty = appealOf(reading(), FRAME);
    expect(portrait.worth).toBeGreaterThan(1.5 * empty.worth);
    expect(portrait.scores.faces).toBeGreaterThan(0.7);
    expect(portrait.scores.eyes).toBe(1);
    expect(empty.scores).toEqual({ faces: 0, eyes: 0.5, text: 1, subtitles: 1 });
  });

  it('ranks closed eyes, a face cut by the edge, a turned head and a tiny face below a clear face', () => {
    const clear = clarity(face());
    for (const worse of [face({ eyes: 'closed' }), face({ cut: true }), face({ yaw: 60 }), face({ size: 0.03 }), face({ sharpness: 0.1, exposure: 0.1 })]) {
      expect(clarity(worse)).toBeLessThan(0.8 * clear);
    }
    const closed = appealOf(reading({ faces: [face({ eyes: 'closed' })] }), FRAME);
    expect(closed.scores.eyes).toBe(0);
    expect(closed.clean).toBeLessThan(1);
  });

  it('pushes text down: a slide far, subtitles clearly, a small caption a little', () => {
    const clean = appealOf(reading(), FRAME);
    const slide = appealOf(reading({ text: [{ x: 20, y: 20, width: 600, height: 200 }] }), FRAME);
    const line = { x: 170, y: 320, width: 300, height: 24 };
    const subs = appealOf(reading({ text: [line], subtitles: [line] }), FRAME);
    const caption = appealOf(reading({ text: [{ x: 10, y: 10, width: 60, height: 14 }] }), FRAME);
    expect(slide.scores.text).toBe(0);
    expect(slide.worth).toBeLessThan(0.4 * clean.worth);
    expect(subs.scores.subtitles).toBe(0);
    expect(subs.worth).toBeLessThan(0.7 * clean.worth);
    expect(caption.worth).toBeGreaterThan(subs.worth);
    expect(caption.worth).toBeLessThan(clean.worth);
  });

  it('speaks for the frame with its clearest face', () => {
    const a = appealOf(reading({ faces: [face({ size: 0.03, box: { x: 0, y: 0, width: 10, height: 10 } }), face()] }), FRAME);
    expect(a.main?.size).toBeCloseTo(1 / 3);
  });
});

describe('examine: judging findings', () => {
  it('drops a "face" that detected text covers (round letters)', () => {
    const letters = { x: 100, y: 100, width: 80, height: 80 };
    expect(coveredByText(letters, [{ x: 60, y: 110, width: 200, height: 60 }])).toBe(true);
    expect(coveredByText(letters, [{ x: 0, y: 300, width: 640, height: 40 }])).toBe(false);
  });

  it('asks for landmarks only where a face is big enough to judge', () => {
    const big = { box: { x: 0, y: 0, width: 80, height: 80 }, confidence: 0.9 };
    const small = { box: { x: 0, y: 0, width: 30, height: 30 }, confidence: 0.9 };
    expect(wantsLandmarks([[], [small], [small, big], [big]])).toEqual([2, 3]);
    expect(wantsLandmarks([[], []])).toEqual([]);
  });

  it('tells subtitle lines from other text in the bottom band', () => {
    expect(isSubtitleLine({ x: 170, y: 320, width: 300, height: 24 }, FRAME)).toBe(true);
    // A logo in the corner, a line higher up, a tall block: not subtitles.
    expect(isSubtitleLine({ x: 560, y: 320, width: 70, height: 24 }, FRAME)).toBe(false);
    expect(isSubtitleLine({ x: 170, y: 150, width: 300, height: 24 }, FRAME)).toBe(false);
    expect(isSubtitleLine({ x: 170, y: 260, width: 300, height: 100 }, FRAME)).toBe(false);
  });

  it('judges eyes against the same person in the same shot, and against a fixed bar', () => {
    const at = (openness: number) => ({ ...face(), openness });
    // One person in one shot: 0.28 and 0.27 open, 0.2 a blink (narrow for them, though not for everyone).
    const [a, b, c] = judgeEyes([[at(0.28)], [at(0.2)], [at(0.27)]], [1, 1, 1]);
    expect([a![0]!.eyes, b![0]!.eyes, c![0]!.eyes]).toEqual(['open', 'closed', 'open']);
    // The same 0.2 alone, or beside someone else in another shot, is within the range of open eyes.
    expect(judgeEyes([[at(0.2)]], [1])[0]![0]!.eyes).toBe('open');
    expect(judgeEyes([[at(0.28)], [at(0.2)]], [1, 2])[1]![0]!.eyes).toBe('open');
    // Whoever it is, 0.1 is closed; a face without a measurement stays unknown.
    expect(judgeEyes([[at(0.1)]], [1])[0]![0]!.eyes).toBe('closed');
    expect(judgeEyes([[face({ eyes: 'unknown' })]], [1])[0]![0]!.eyes).toBe('unknown');
  });
});
