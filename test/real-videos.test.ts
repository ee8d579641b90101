import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GifEntry, Manifest, StillEntry } from '../src/engine/manifest.js';
import { looks as L, makeClip, scratchDir, tool } from './support/clips.js';
import { analyzeInto } from './support/engine.js';
import { changedShare, difference, footage, neighboursOf, sequentialFrameAt, shownAt, thumbnailOf, worstFill } from './support/truth.js';

/**
 * What real video does that lavfi sources never do (open GOPs, recovery points, damaged bytes, variable
 * frame rates, old codecs), and real footage from Debian packages. Every check is what a user sees: how many
 * stills, whether each is the picture the video shows at its time when played from the start, no decoder
 * fill in any still or GIF frame, GIF lengths, no two stills alike.
 */

/** Mean grey difference below which a still is the sequential decode's frame (encoding to PNG, scaling). */
const SAME_PICTURE = 0.02;
/** The same for a GIF frame, whose 256-colour palette and dithering move every pixel a little. */
const GIF_SAME_PICTURE = 0.035;
const FLAT_CODECS = /^(cinepak|msvideo1|rpza|smc|qtrle|msrle|8bps)$/;
/** Mean grey difference above which two stills are different pictures to the eye. */
const DIFFERENT_PICTURES = 0.02;
/** …or share of the picture that changed clearly, above which they are: a subject a tenth of the frame high that moved. */
const CHANGED_PART = 0.025;

const stillsOf = (m: Manifest) => m.covers.filter((c): c is StillEntry => c.format === 'png');
const gifsOf = (m: Manifest) => m.covers.filter((c): c is GifEntry => c.format === 'gif');

/** Everything a user can check on a result, against the video itself. */
async function expectTrueCovers(file: string, manifest: Manifest, dir: string, stills = 5): Promise<void> {
  const found = stillsOf(manifest);
  expect(found.map((s) => s.time), JSON.stringify(manifest.analysis)).toHaveLength(stills);
  const thumbs: Uint8Array[] = [];
  for (const still of found) {
    const thumb = await thumbnailOf(join(dir, still.file));
    const truth = await sequentialFrameAt(file, still.time);
    const error = difference(thumb, truth);
    expect(error, `${still.file} at ${still.time} s against the sequential decode`).toBeLessThan(SAME_PICTURE);
    // And it is that frame, not its neighbour: a time one frame off would match the next frame better.
    for (const other of await neighboursOf(file, still.time)) expect(error, `${still.file} is a neighbouring frame`).toBeLessThanOrEqual(difference(thumb, other) + 0.001);
    // Palette and vector-quantisation codecs draw pictures from flat blocks: there only the match above counts.
    if (!FLAT_CODECS.test(manifest.video.codec)) expect(await worstFill(join(dir, still.file)), `${still.file} carries decoder fill`).toBeLessThan(0.04);
    expect(still.why.length).toBeGreaterThan(5);
    thumbs.push(thumb);
  }
  for (let i = 0; i < thumbs.length; i++) {
    for (let j = i + 1; j < thumbs.length; j++) {
      // Different overall, or something in view moved or changed (a subject small in the frame).
      const apart = difference(thumbs[i]!, thumbs[j]!) > DIFFERENT_PICTURES || changedShare(thumbs[i]!, thumbs[j]!) > CHANGED_PART;
      expect(apart, `${found[i]!.file} and ${found[j]!.file} look the same`).toBe(true);
    }
  }
  const gif = gifsOf(manifest)[0];
  expect(gif).toBeDefined();
  if (manifest.video.duration >= 1.5) {
    expect(gif!.duration).toBeGreaterThanOrEqual(1.5);
    expect(gif!.duration).toBeLessThanOrEqual(4.5);
  }
  // A GIF's palette flattens grain, so its frames are checked against the video instead: its first, middle
  // and last frames are the pictures the video shows at those times.
  // A GIF frame is the picture a player shows at its tick (10 a second), give or take half a tick.
  const count = Math.round(gif!.duration * gif!.fps);
  for (const k of [0, Math.floor(count / 2), count - 1]) {
    const frame = await thumbnailOf(join(dir, gif!.file), k);
    const t = gif!.time + k / gif!.fps;
    const near = [-0.05, -0.025, 0, 0.025, 0.05].map((d) => Math.max(0, t + d));
    const nearest = Math.min(...(await Promise.all(near.map(async (at) => difference(frame, await shownAt(file, at))))));
    expect(nearest, `GIF frame ${k} against the sequential decode`).toBeLessThan(GIF_SAME_PICTURE);
  }
}

const pan = [L.pan(12, 140)];
const h264 = (params: string) => ({ gop: 50, encoding: ['-preset', 'veryfast', '-crf', '22', '-x264-params', params] });

describe('stream structures real encoders write', () => {
  it.each([
    ['open GOP with B-frames', 'open-gop.mp4', h264('open-gop=1:bframes=3:keyint=50:min-keyint=50:scenecut=0')],
    ['intra refresh (no keyframe after the first)', 'intra-refresh.mp4', h264('intra-refresh=1:keyint=50')],
  ])('%s: five true stills and a GIF of the right length', async (_, name, options) => {
    const file = await makeClip(name, pan, options);
    const { manifest, dir } = await analyzeInto(file);
    await expectTrueCovers(file, manifest, dir);
  });

  it('variable frame rate: five true stills and a GIF of the right length', async () => {
    // Frames dropped in a pattern, their timestamps kept: intervals of 40 ms and 120 ms alternate.
    const uneven = { ...L.pan(12, 140), source: `${L.pan(12, 140).source},select='lt(mod(n\\,50)\\,20)+not(mod(n\\,3))'` };
    const file = await makeClip('vfr.mkv', [uneven], { gop: 50, extra: ['-vsync', 'vfr'] });
    const { manifest, dir } = await analyzeInto(file);
    await expectTrueCovers(file, manifest, dir);
  });
});

describe('old and other codecs', () => {
  it.each([
    ['Theora', 'theora.ogv', ['-c:v', 'libtheora', '-q:v', '7']],
    ['VP8', 'vp8.webm', ['-c:v', 'libvpx', '-b:v', '1500k', '-deadline', 'realtime', '-cpu-used', '8']],
    ['VP9', 'vp9.webm', ['-c:v', 'libvpx-vp9', '-b:v', '1500k', '-deadline', 'realtime', '-cpu-used', '8']],
    ['MPEG-2', 'mpeg2.mpg', ['-c:v', 'mpeg2video', '-q:v', '4']],
    ['MJPEG', 'mjpeg.avi', ['-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj420p']],
  ])('%s: five true stills and a GIF of the right length', async (_, name, codec) => {
    const file = await makeClip(name, pan, { gop: 50, encoding: [], extra: codec });
    const { manifest, dir } = await analyzeInto(file);
    expect(manifest.analysis.damage).toBeUndefined();
    await expectTrueCovers(file, manifest, dir);
  });
});

describe('a file damaged in the middle', () => {
  /** The same file with a stretch of bytes cut out of its middle, as a broken copy or download leaves it. */
  function cutMiddle(file: string, name: string, share: number): string {
    const bytes = readFileSync(file);
    const from = Math.floor(bytes.length * 0.5);
    const out = join(scratchDir(), name);
    writeFileSync(out, Buffer.concat([bytes.subarray(0, from), bytes.subarray(from + Math.floor(bytes.length * share))]));
    return out;
  }

  it('MPEG-TS: covers from the intact parts, none from the damage, and the manifest says so', async () => {
    const whole = await makeClip('for-damage.ts', [L.pan(16, 110)], { gop: 25, extra: ['-f', 'mpegts'] });
    const file = cutMiddle(whole, 'damaged.ts', 0.04);
    const { manifest, dir } = await analyzeInto(file);
    expect(manifest.analysis.damage).toMatch(/damaged/);
    await expectTrueCovers(file, manifest, dir);
  });

  it('MP4: everything after the hole is misread, and the part before it still gives covers', async () => {
    // The index at the front (as streaming-ready files have it), so that the file still opens.
    const whole = await makeClip('for-damage.mp4', [L.pan(16, 110)], { gop: 25, extra: ['-movflags', '+faststart'] });
    const file = cutMiddle(whole, 'damaged.mp4', 0.04);
    const { manifest, dir } = await analyzeInto(file);
    expect(manifest.analysis.damage).toMatch(/damaged/);
    const stills = stillsOf(manifest);
    expect(stills.length).toBeGreaterThanOrEqual(3);
    await expectTrueCovers(file, manifest, dir, stills.length);
  });
});

describe('as many stills as the video has pictures', () => {
  it('a single continuous 60-second take with a moving camera gives five different stills', async () => {
    const file = await makeClip('long-take.mp4', [L.pan(60, 32)], { gop: 50 });
    const { manifest, dir } = await analyzeInto(file);
    await expectTrueCovers(file, manifest, dir);
    expect(manifest.analysis.why).toBeUndefined();
    const times = stillsOf(manifest).map((s) => s.time).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(30); // spread over the take, not bunched
  });

  it('a one-second clip whose picture changes gives several, with a GIF of the whole clip', async () => {
    const file = await makeClip('one-second-pan.mp4', [L.pan(1, 900)], { gop: 25 });
    const { manifest } = await analyzeInto(file);
    expect(stillsOf(manifest).length).toBeGreaterThan(1);
    const gif = gifsOf(manifest)[0]!;
    expect(gif.time).toBeLessThan(0.15);
    expect(gif.duration).toBeGreaterThanOrEqual(0.85);
  });

  it('a static slide gives one still, and says why', async () => {
    const slide = { label: 'slide', seconds: 8, source: 'color=c=0x1c2a6a:s={size}:r={rate},drawbox=x=iw/8:y=ih/3:w=iw*3/4:h=ih/3:color=0xf0d060:t=12,drawgrid=w=40:h=40:color=white@0.3,noise=alls=10:allf=t' };
    const file = await makeClip('slide.mp4', [slide], { gop: 50 });
    const { manifest } = await analyzeInto(file);
    expect(stillsOf(manifest)).toHaveLength(1);
    expect(manifest.analysis.distinct).toBe(1);
    expect(manifest.analysis.why).toMatch(/only 1 distinct picture/);
  });

  it('a clip of quick cuts still gets a GIF of at least 1.5 s, which says it crosses a cut', async () => {
    const board = [L.testsrc(0.8), L.mandelbrot(0.8), L.bars(0.8), L.cells(0.8), L.gradient(0.8)];
    const file = await makeClip('quick-cuts.mp4', board, { gop: 10 });
    const { manifest } = await analyzeInto(file);
    const gif = gifsOf(manifest)[0]!;
    expect(gif.duration).toBeGreaterThanOrEqual(1.5);
    expect(gif.crossesCut).toBe(true);
  });
});

describe('real footage from Debian packages', () => {
  // Each clip is analysed once and its result looked at by several tests.
  const analysed = new Map<string, ReturnType<typeof analyzeInto>>();
  const analyse = (file: string) => {
    if (!analysed.has(file)) analysed.set(file, analyzeInto(file));
    return analysed.get(file)!;
  };
  // How many different pictures each shows, counted by eye on a contact sheet of the whole clip.
  const cases: [string, string, number][] = [
    ['cockatoo.mp4', 'H.264 4:4:4 whose later keyframes decode to green when seeked to', 5],
    ['Megamind.avi', 'MPEG-4 Part 2, a candle-lit dinner', 5],
    ['vtest.avi', 'MS MPEG-4, a fixed camera with people walking through', 5],
    ['tree.avi', 'Cinepak', 5],
    ['play101.mkv', 'MS Video 1, a cartoon drawn in flat blocks', 5],
  ];
  it.each(cases)('%s (%s): true stills, as many as it has pictures, and a GIF of the right length', async (name, _, pictures) => {
    const file = footage(name);
    if (file === undefined) return void console.warn(`skipped: test/.footage/${name} missing (scripts/real-footage.sh fetches it)`);
    const { manifest, dir } = await analyse(file);
    expect(manifest.analysis.damage).toBeUndefined();
    await expectTrueCovers(file, manifest, dir, pictures);
    if (pictures < 5) expect(manifest.analysis.why).toMatch(new RegExp(`only ${pictures} distinct pictures`));
  });

  it('keeps the well-lit faces of a candle-lit scene: nothing there is "dark"', async () => {
    const file = footage('Megamind.avi');
    if (file === undefined) return;
    const { manifest } = await analyse(file);
    // The scene's mean luminance is 0.12–0.16 throughout: a mean-based filter would have rejected most of it.
    expect(manifest.analysis.rejected['dark']).toBeLessThanOrEqual(Math.ceil(manifest.analysis.framesAnalysed * 0.02));
    for (const still of stillsOf(manifest)) {
      expect(still.defects).toBeUndefined();
      expect(still.subscores['exposure']).toBeGreaterThan(0.3);
    }
  });

  it('the keyframe the cockatoo clip seeks to is broken, and no cover comes from a seek there', async () => {
    const file = footage('cockatoo.mp4');
    if (file === undefined) return;
    // The premise: decoding from its second keyframe gives decoder fill, decoding from the start does not.
    const seeked = join(scratchDir(), 'cockatoo-seek.png');
    await tool('ffmpeg', ['-v', 'quiet', '-y', '-noaccurate_seek', '-ss', '3.8', '-i', file, '-frames:v', '1', seeked]);
    expect(await worstFill(seeked)).toBeGreaterThan(0.3);
    const { manifest, dir } = await analyse(file);
    for (const still of stillsOf(manifest)) expect(await worstFill(join(dir, still.file))).toBeLessThan(0.02);
  });
});
