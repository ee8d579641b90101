import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { looks as L, makeClip, timeline } from '../../test/support/clips.js';
import { analyzeInto } from '../../test/support/engine.js';
import { DEFAULT_MEDIA_LIMITS } from './media-limits.js';
import { inspect, meanLuma } from '../../test/support/media.js';
import { FfmpegRunner } from './ffmpeg.js';
import { locateFfmpeg } from './ffmpeg-binaries.js';

const shotA = L.testsrc(4);
/** Known good and bad stretches: a black opening, a fade, a white flash, a blurred stretch, a flat card, a repeated shot. */
const storyboard = [
  L.black(2), shotA, L.fadeOut(shotA, 1.2), L.white(1), L.mandelbrot(4), L.blurred(L.life(3), 3),
  L.card(2), L.cells(4), L.bars(4), shotA, L.gradient(4), L.black(1),
];
const stretches = timeline(storyboard);
const stretchAt = (t: number) => stretches.find((s) => t >= s.start && t < s.end) ?? stretches.at(-1)!;

describe('analyze on a storyboard with known good and bad stretches', async () => {
  const file = await makeClip('storyboard.mp4', storyboard, { gop: 25 });
  const { manifest, dir } = await analyzeInto(file);
  const stills = manifest.covers.filter((c) => c.format === 'png');
  const gifs = manifest.covers.filter((c) => c.format === 'gif');

  it('describes the video', () => {
    expect(manifest.video).toMatchObject({ width: 640, height: 360, codec: 'h264' });
    expect(manifest.video.duration).toBeCloseTo(stretches.at(-1)!.end, 1);
    expect(manifest.analysis.sampling).toBe('keyframes');
  });

  it('returns five stills, none from a black, faded, flashed, blurred or flat stretch', () => {
    expect(stills).toHaveLength(5);
    for (const still of stills) expect(stretchAt(still.time), `cover at ${still.time}s`).toMatchObject({ bad: false });
  });

  it('never returns two stills of the same shot, even when the shot comes back later', () => {
    const labels = stills.map((s) => stretchAt(s.time).label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('ranks best first on a 0–10 scale, with the sub-scores that explain it', () => {
    const scores = stills.map((s) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const still of stills) {
      expect(still.score).toBeGreaterThan(0);
      expect(still.score).toBeLessThanOrEqual(10);
      expect(Object.keys(still.subscores)).toEqual(expect.arrayContaining(['quality', 'sharpness', 'exposure', 'relevance', 'stillness']));
    }
  });

  it('writes PNGs that decode at the stated size and are neither black nor white', async () => {
    for (const still of stills) {
      const facts = await inspect(join(dir, still.file));
      expect(facts).toMatchObject({ codec: 'png', width: still.width, height: still.height, frames: 1 });
      const luma = await meanLuma(join(dir, still.file));
      expect(luma).toBeGreaterThan(0.1);
      expect(luma).toBeLessThan(0.9);
    }
  });

  it('makes one GIF of 1.5–4.5 s from a single moving shot, with no cut inside', async () => {
    expect(gifs).toHaveLength(1);
    const gif = gifs[0]!;
    if (gif.format !== 'gif') throw new Error('not a gif');
    expect(gif.duration).toBeGreaterThanOrEqual(1.5);
    expect(gif.duration).toBeLessThanOrEqual(4.5);
    const first = stretchAt(gif.time + 0.01);
    const last = stretchAt(gif.time + gif.duration - 0.05);
    expect(first).toBe(last);
    expect(first).toMatchObject({ bad: false, still: false });
    const facts = await inspect(join(dir, gif.file));
    expect(facts).toMatchObject({ codec: 'gif', width: gif.width, height: gif.height });
    expect(Math.max(gif.width, gif.height)).toBeLessThanOrEqual(480);
    expect(facts.frames).toBeGreaterThanOrEqual(Math.floor(gif.duration * gif.fps) - 1);
  });

  it('counts what the hard filters turned down', () => {
    expect(manifest.analysis.pool).toBe('clean');
    expect(manifest.analysis.rejected['dark']).toBeGreaterThan(0);
    expect(manifest.analysis.rejected['blown_out']).toBeGreaterThan(0);
    expect(manifest.analysis.rejected['uniform']).toBeGreaterThan(0);
    expect(manifest.analysis.rejected['blurry']).toBeGreaterThan(0);
  });
});

describe('analyze on hard cases', () => {
  it('handles a one-second clip', async () => {
    const file = await makeClip('one-second.mp4', [L.testsrc(1)]);
    const { manifest, dir } = await analyzeInto(file);
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills.length).toBeGreaterThanOrEqual(1);
    for (const c of manifest.covers) {
      expect(c.time).toBeGreaterThanOrEqual(0);
      expect(c.time).toBeLessThan(1);
      expect((await inspect(join(dir, c.file))).width).toBe(c.width);
    }
    const gif = manifest.covers.find((c) => c.format === 'gif');
    if (gif?.format === 'gif') expect(gif.time + gif.duration).toBeLessThanOrEqual(1.05);
  });

  it('handles a clip of a single frame', async () => {
    const file = await makeClip('single-frame.mp4', [L.testsrc(0.04)]);
    expect((await inspect(file)).frames).toBe(1);
    const { manifest, dir } = await analyzeInto(file);
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills).toHaveLength(1);
    expect(manifest.covers.filter((c) => c.format === 'gif')).toHaveLength(0);
    expect(await inspect(join(dir, stills[0]!.file))).toMatchObject({ width: 640, height: 360, frames: 1 });
  });

  it('still returns covers for a video that is all murk, with low scores that say why', async () => {
    const file = await makeClip('murk.mp4', [L.murk(6)]);
    const { manifest } = await analyzeInto(file);
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills.length).toBeGreaterThanOrEqual(1);
    expect(manifest.analysis.pool).toBe('relaxed');
    for (const s of stills) {
      expect(s.score).toBeLessThan(3);
      if (s.format === 'png') expect(s.defects).toContain('dark');
    }
  });

  it('takes covers from the little that is visible in an almost entirely black video', async () => {
    const board = [L.black(8), L.testsrc(1.5), L.black(1.5)];
    const file = await makeClip('mostly-black.mp4', board, { gop: 12 });
    const { manifest, dir } = await analyzeInto(file);
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills.length).toBeGreaterThanOrEqual(1);
    for (const s of stills) {
      expect(s.time).toBeGreaterThanOrEqual(8);
      expect(s.time).toBeLessThan(9.5);
      expect(await meanLuma(join(dir, s.file))).toBeGreaterThan(0.2);
    }
  });

  it('still returns covers for a video that is blurry throughout, scored below the same video in focus', async () => {
    const sharp = await analyzeInto(await makeClip('sharp.mp4', [L.testsrc(6)]));
    const blurry = await analyzeInto(await makeClip('blurry.mp4', [L.blurred(L.testsrc(6), 6)]));
    const best = (m: typeof sharp.manifest) => Math.max(...m.covers.filter((c) => c.format === 'png').map((c) => c.score));
    expect(blurry.manifest.covers.filter((c) => c.format === 'png').length).toBeGreaterThanOrEqual(1);
    expect(blurry.manifest.analysis.pool).toBe('relaxed');
    expect(best(blurry.manifest)).toBeLessThan(best(sharp.manifest) / 2);
  });

  it('honours rotation: a phone video recorded sideways gives upright portrait covers', async () => {
    const file = await makeClip('rotated.mp4', [L.testsrc(3), L.mandelbrot(3)], { rotate: 90 });
    const { manifest, dir } = await analyzeInto(file);
    expect(manifest.video).toMatchObject({ width: 360, height: 640, rotation: 90 });
    for (const c of manifest.covers) {
      expect(c.height).toBeGreaterThan(c.width);
      expect(await inspect(join(dir, c.file))).toMatchObject({ width: c.width, height: c.height });
    }
  });

  it('handles a portrait video', async () => {
    const file = await makeClip('portrait.mp4', [L.testsrc(3), L.bars(3)], { width: 360, height: 640 });
    const { manifest, dir } = await analyzeInto(file);
    const still = manifest.covers.find((c) => c.format === 'png')!;
    expect(await inspect(join(dir, still.file))).toMatchObject({ width: 360, height: 640 });
    const gif = manifest.covers.find((c) => c.format === 'gif');
    expect(gif).toMatchObject({ width: 270, height: 480 });
  });

  it('makes non-square pixels square', async () => {
    const file = await makeClip('anamorphic.mp4', [L.testsrc(2), L.bars(2)], { width: 720, height: 576, extra: ['-aspect', '4:3'] });
    const { manifest, dir } = await analyzeInto(file);
    expect(manifest.video).toMatchObject({ width: 768, height: 576 });
    const still = manifest.covers.find((c) => c.format === 'png')!;
    expect(await inspect(join(dir, still.file))).toMatchObject({ width: 768, height: 576 });
  });

  it('falls back to timed sampling when the stream has no keyframe after the first', async () => {
    const board = [L.testsrc(3), L.mandelbrot(3), L.bars(3), L.gradient(3)];
    const file = await makeClip('one-keyframe.mp4', board, { gop: 0 });
    const { manifest } = await analyzeInto(file);
    expect(manifest.analysis.sampling).toBe('timed');
    const stills = manifest.covers.filter((c) => c.format === 'png');
    const labels = stills.map((c) => timeline(board).find((s) => c.time >= s.start && c.time < s.end)!.label);
    // Every shot first; the fifth still is another moment of one of them.
    expect(stills).toHaveLength(5);
    expect(new Set(labels).size).toBe(4);
  });

  it('scales 4K covers down to the longest side the limits allow, and renders them at full resolution when allowed', async () => {
    const file = await makeClip('uhd.mp4', [L.testsrc(1), L.gradient(1)], { width: 3840, height: 2160 });
    const { manifest, dir } = await analyzeInto(file, { stills: 2 });
    const still = manifest.covers.find((c) => c.format === 'png')!;
    expect(still).toMatchObject({ width: 1920, height: 1080 });
    expect(await inspect(join(dir, still.file))).toMatchObject({ width: 1920, height: 1080, frames: 1 });
    expect(manifest.video).toMatchObject({ width: 3840, height: 2160 });
    const full = await analyzeInto(file, { stills: 2, limits: { ...DEFAULT_MEDIA_LIMITS, maxCoverSide: 3840 } });
    const big = full.manifest.covers.find((c) => c.format === 'png')!;
    expect(await inspect(join(full.dir, big.file))).toMatchObject({ width: 3840, height: 2160, frames: 1 });
  });

  it('ends a GIF before the fade that closes its shot', async () => {
    // The shot is shorter than a 3 s GIF, so a GIF that ignored the fade would run into it.
    const shot = L.testsrc(2.5);
    const board = [L.black(1), shot, L.fadeOut(shot, 3), L.black(2)];
    const file = await makeClip('fade-out.mp4', board, { gop: 25 });
    const { manifest } = await analyzeInto(file, { stills: 1 });
    const gif = manifest.covers.find((c) => c.format === 'gif');
    if (gif?.format !== 'gif') throw new Error('no GIF');
    expect(gif.time).toBeGreaterThanOrEqual(1);
    expect(gif.duration).toBeGreaterThanOrEqual(1.5);
    // The slow fade starts at 3.5 s and a sixth of the contrast is gone 0.5 s in: the run ends there, where
    // the frame-to-frame cut test alone would let it run on (measured: to 4.3 s).
    expect(gif.time + gif.duration).toBeLessThanOrEqual(4.1);
  });

  it('honours the number of stills and previews asked for', async () => {
    const file = await makeClip('storyboard.mp4', storyboard, { gop: 25 });
    const { manifest } = await analyzeInto(file, { stills: 2, gifs: 2 });
    expect(manifest.covers.filter((c) => c.format === 'png')).toHaveLength(2);
    const gifs = manifest.covers.filter((c) => c.format === 'gif');
    expect(gifs).toHaveLength(2);
    const [a, b] = gifs.map((g) => (g.format === 'gif' ? [g.time, g.time + g.duration] : [0, 0]));
    expect(a![1]! <= b![0]! || b![1]! <= a![0]!).toBe(true);
  });
});

describe('analyze with the ffmpeg and ffprobe shipped on npm (the fallback when the system has none)', () => {
  it('gives the same kind of covers as the system build', async () => {
    const npm = locateFfmpeg({ PATH: '' });
    expect(npm).toMatchObject({ ffmpegSource: 'npm', ffprobeSource: 'npm' });
    const file = await makeClip('storyboard.mp4', storyboard, { gop: 25 });
    const { manifest, dir } = await analyzeInto(file, {}, new FfmpegRunner(npm));
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills).toHaveLength(5);
    for (const still of stills) {
      expect(stretchAt(still.time).bad).toBe(false);
      expect(await inspect(join(dir, still.file))).toMatchObject({ width: 640, height: 360, frames: 1 });
    }
    expect(new Set(stills.map((s) => stretchAt(s.time).label)).size).toBe(5);
    const gif = manifest.covers.find((c) => c.format === 'gif');
    expect(gif?.format === 'gif' && gif.duration >= 1.5).toBe(true);
  });
});
