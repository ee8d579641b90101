import { describe, expect, it } from 'vitest';
import { coveredShare, overlapShare, textRegions } from './text-regions.js';

/** A probability map with rectangles of the given probability on a background of `floor`. */
function map(width: number, height: number, rects: { x: number; y: number; w: number; h: number; p: number }[], floor = 0.02): Float32Array {
  const m = new Float32Array(width * height).fill(floor);
  for (const r of rects) for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) m[y * width + x] = r.p;
  return m;
}

describe('textRegions', () => {
  it('finds each confident run as one region, grown back from the shrunk core to the word', () => {
    const found = textRegions(map(100, 50, [{ x: 10, y: 10, w: 30, h: 4, p: 0.9 }, { x: 60, y: 30, w: 20, h: 6, p: 0.8 }]), 100, 50);
    expect(found).toHaveLength(2);
    const [a, b] = found.sort((p, q) => p.box.x - q.box.x);
    // The core is 30 × 4; the word reaches half the core's height beyond it on every side.
    expect(a!.box).toEqual({ x: 8, y: 8, width: 34, height: 8 });
    expect(a!.confidence).toBeCloseTo(0.9, 5);
    expect(b!.box.x).toBeLessThan(60);
    expect(b!.box.x + b!.box.width).toBeGreaterThan(80);
  });

  it('ignores specks and regions that are only faintly text-like', () => {
    const found = textRegions(map(100, 50, [{ x: 5, y: 5, w: 2, h: 2, p: 0.95 }, { x: 30, y: 20, w: 40, h: 8, p: 0.45 }]), 100, 50);
    expect(found).toEqual([]);
  });

  it('takes regions taller than wide for parts of a face, not text', () => {
    expect(textRegions(map(100, 60, [{ x: 40, y: 10, w: 8, h: 30, p: 0.9 }]), 100, 60)).toEqual([]);
  });

  it('never reaches into the padding beyond the picture', () => {
    const found = textRegions(map(64, 32, [{ x: 40, y: 20, w: 20, h: 6, p: 0.9 }]), 64, 32, { width: 50, height: 25 });
    expect(found).toHaveLength(1);
    expect(found[0]!.box.x + found[0]!.box.width).toBeLessThanOrEqual(50);
    expect(found[0]!.box.y + found[0]!.box.height).toBeLessThanOrEqual(25);
  });
});

describe('coveredShare and overlapShare', () => {
  it('counts overlapping boxes once', () => {
    const half = { x: 0, y: 0, width: 320, height: 90 };
    expect(coveredShare([half], 320, 180)).toBeCloseTo(0.5, 2);
    expect(coveredShare([half, half, { x: 0, y: 45, width: 320, height: 45 }], 320, 180)).toBeCloseTo(0.5, 2);
    expect(coveredShare([], 320, 180)).toBe(0);
  });

  it('measures how much of a box another covers', () => {
    const face = { x: 0, y: 0, width: 10, height: 10 };
    expect(overlapShare(face, { x: 5, y: 0, width: 20, height: 20 })).toBeCloseTo(0.5, 5);
    expect(overlapShare(face, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });
});
