import { describe, expect, it } from 'vitest';
import { blocks, blur, dim, seeded, solid } from '../../test/support/frames.js';
import { FeatureExtractor, frameDistance, hammingDistance, lumaDifference, momentDistance } from './features.js';

const W = 160, H = 90;
const extractor = new FeatureExtractor(W, H);
const features = (frame: Uint8Array) => new FeatureExtractor(W, H).extract(frame);

describe('FeatureExtractor', () => {
  const sharp = blocks(W, H, 6, seeded(1));

  it('sees a black frame as dark, flat and featureless', () => {
    const f = features(solid(W, H, [0, 0, 0]));
    expect(f).toMatchObject({ luma: 0, contrast: 0, dark: 1, entropy: 0, blur: 1, colourfulness: 0 });
  });

  it('sees a white frame as clipped', () => {
    const f = features(solid(W, H, [255, 255, 255]));
    expect(f.luma).toBeGreaterThan(0.99);
    expect(f.clipped).toBe(1);
  });

  it('measures blur independently of content: the same picture out of focus is blurrier', () => {
    const crisp = features(sharp);
    const soft = features(blur(sharp, W, H, 2));
    expect(crisp.blur).toBeLessThan(0.35);
    expect(soft.blur).toBeGreaterThan(crisp.blur + 0.25);
    expect(soft.edges).toBeLessThan(crisp.edges);
  });

  it('scores colour: grey has none, saturated blocks plenty', () => {
    expect(features(solid(W, H, [128, 128, 128])).colourfulness).toBe(0);
    expect(features(sharp).colourfulness).toBeGreaterThan(40);
  });

  it('keeps brightness statistics consistent with the picture', () => {
    const f = features(sharp);
    expect(f.p05).toBeLessThan(f.luma);
    expect(f.p95).toBeGreaterThan(f.luma);
    expect(f.entropy).toBeGreaterThan(5);
    const histogramTotal = f.histogram.reduce((a, b) => a + b, 0);
    expect(histogramTotal).toBeCloseTo(1, 5);
  });

  it('a dimmed copy keeps its layout but loses contrast (what a fade looks like)', () => {
    const f = features(sharp);
    const faded = features(dim(sharp, 0.4));
    expect(faded.contrast).toBeLessThan(0.5 * f.contrast);
    expect(hammingDistance(f.hash, faded.hash)).toBeLessThanOrEqual(4);
  });

  it('tells different pictures apart and the same picture alike', () => {
    const a = features(sharp);
    const b = features(blocks(W, H, 6, seeded(2)));
    expect(frameDistance(a, a)).toBe(0);
    expect(frameDistance(a, b)).toBeGreaterThan(0.2);
    expect(hammingDistance(a.hash, a.hash)).toBe(0);
    expect(hammingDistance(a.hash, b.hash)).toBeGreaterThan(10);
    expect(frameDistance(features(solid(W, H, [0, 0, 0])), features(solid(W, H, [255, 255, 255])))).toBeCloseTo(1, 2);
  });

  it('counts what moved between two moments, not grain or a change of brightness', () => {
    const random = seeded(7);
    const grain = (frame: Uint8Array) => frame.map((v) => Math.max(0, Math.min(255, Math.round(v + (random() - 0.5) * 30))));
    const a = features(sharp);
    expect(momentDistance(a, features(grain(sharp)))).toBeLessThanOrEqual(2);
    expect(momentDistance(a, features(dim(sharp, 0.85)))).toBeLessThanOrEqual(12);
    const moved = Uint8Array.from(sharp);
    moved.set(blocks(W, H / 3, 6, seeded(3)), (H / 3) * W * 3); // the middle third of the picture changes
    expect(momentDistance(a, features(moved))).toBeGreaterThan(40);
  });

  it('measures how much changed between two luma planes', () => {
    const e1 = new FeatureExtractor(W, H);
    e1.extract(solid(W, H, [0, 0, 0]));
    const black = Uint8Array.from(e1.luma);
    e1.extract(solid(W, H, [255, 255, 255]));
    expect(lumaDifference(black, e1.luma)).toBeCloseTo(1, 2);
    expect(lumaDifference(black, black)).toBe(0);
  });

  it('refuses frames of the wrong size', () => {
    expect(() => extractor.extract(new Uint8Array(10))).toThrow(RangeError);
    expect(() => new FeatureExtractor(2, 2)).toThrow(RangeError);
  });
});
