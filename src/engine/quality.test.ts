import { describe, expect, it } from 'vitest';
import { blocks, seeded, solid } from '../../test/support/frames.js';
import { FeatureExtractor } from './features.js';
import { frameDefects, isDark, looksConcealed, qualityOf, videoReference } from './quality.js';

const W = 160, H = 90;
const features = (frame: Uint8Array) => new FeatureExtractor(W, H).extract(frame);

/** A dark room with one lit subject: a candle-lit face fills a patch of the frame, the rest is near black. */
function lowKey(random: () => number): Uint8Array {
  const f = solid(W, H, [8, 6, 5]);
  const subject = blocks(26, 22, 4, random);
  for (let y = 0; y < 22; y++) {
    for (let x = 0; x < 26; x++) {
      for (let k = 0; k < 3; k++) f[((y + 30) * W + x + 60) * 3 + k] = Math.round(90 + subject[(y * 26 + x) * 3 + k]! * 0.55);
    }
  }
  return f;
}

describe('exposure judged on what is lit', () => {
  it('keeps a candle-lit subject in a dark frame, which a mean-based filter calls dark', () => {
    const f = features(lowKey(seeded(4)));
    // The old rule, a dark mean and a dim 95th percentile, called this dark.
    expect(f.luma).toBeLessThan(0.09);
    expect(f.p95).toBeLessThan(0.25);
    expect(isDark(f)).toBe(false);
    expect(frameDefects(f, videoReference([f]))).not.toContain('dark');
    expect(qualityOf(f, videoReference([f])).exposure).toBeGreaterThan(0.4);
  });

  it('still rejects black, near-black and noise-only frames', () => {
    const random = seeded(8);
    const noise = solid(W, H, [10, 10, 12]).map((v) => Math.max(0, Math.round(v + (random() - 0.5) * 24)));
    for (const frame of [solid(W, H, [0, 0, 0]), solid(W, H, [14, 14, 14]), noise]) expect(isDark(features(frame))).toBe(true);
  });
});

describe('what decoders paint where data is missing', () => {
  const picture = blocks(W, H, 6, seeded(2));
  const concealed = (fill: [number, number, number], share: number) => {
    const f = Uint8Array.from(picture);
    const rows = Math.round(H * share);
    for (let y = H - rows; y < H; y++) for (let x = 0; x < W; x++) f.set(fill, (y * W + x) * 3);
    return f;
  };

  it('measures the share of the frame in flat green or mid-grey fill, and none in a real picture', () => {
    expect(features(picture).damage).toBe(0);
    expect(features(concealed([0, 135, 0], 0.5)).damage).toBeGreaterThan(0.45);
    expect(features(concealed([128, 128, 128], 0.25)).damage).toBeGreaterThan(0.2);
    // A flat colour that is not a decoder's fill is a picture's own.
    expect(features(concealed([200, 40, 40], 0.5)).damage).toBe(0);
  });

  it('calls fill concealment only when the decoder complained and the codec conceals', () => {
    const f = features(concealed([0, 135, 0], 0.3));
    expect(looksConcealed(f, 'h264', true)).toBe(true);
    expect(looksConcealed(f, 'h264', false)).toBe(false); // a green screen or a test card, decoded cleanly
    expect(looksConcealed(f, 'msvideo1', true)).toBe(false); // palette codecs draw flat blocks by design
    expect(looksConcealed(features(picture), 'h264', true)).toBe(false);
  });
});
