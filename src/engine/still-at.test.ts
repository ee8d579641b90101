import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClip, scratchDir, tool } from '../../test/support/clips.js';
import { meanLuma } from '../../test/support/media.js';
import { systemFfmpeg } from '../../test/support/engine.js';
import { isAppError } from '../errors.js';
import { stillAt } from './still-at.js';

/**
 * A clip whose every frame has its own brightness (frame n: luma 20 + 8·(n mod 25)) over moving bars, at
 * 25 fps with a keyframe every 2 s: the still's brightness tells which frame it is.
 */
async function countingClip(): Promise<string> {
  return makeClip('counting.mp4', [{
    label: 'counting', seconds: 6,
    source: "testsrc2=s={size}:r={rate},format=gray,geq=lum='20+8*mod(N\\,25)+0*p(X\\,Y)',format=yuv420p,drawbox=x=mod(t*60\\,iw):y=ih/3:w=30:h=30:color=white:t=fill",
  }], { width: 320, height: 180, fps: 25, gop: 50 });
}

/** Brightness of frame `n` of `file`, as ffmpeg alone decodes it. */
async function frameLuma(file: string, n: number): Promise<number> {
  const png = join(mkdtempSync(join(scratchDir(), 'frame-')), 'f.png');
  await tool('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', png]);
  return meanLuma(png);
}

describe('stillAt: the frame a person chose', () => {
  it('renders the frame shown at the time asked, between keyframes, scored like the engine\'s own', async () => {
    const clip = await countingClip();
    const dir = mkdtempSync(join(scratchDir(), 'still-at-'));
    // 2.53 s at 25 fps is shown by frame 63 (2.52 s to 2.56 s), mid-GOP: the seek must not land on the keyframe at 2 s.
    const manifest = await stillAt(systemFfmpeg(), clip, 2.53, { outDir: dir });
    expect(manifest.covers).toHaveLength(1);
    const still = manifest.covers[0]!;
    expect(still.time).toBeCloseTo(2.52, 3);
    expect([still.width, still.height]).toEqual([320, 180]);
    const luma = await meanLuma(join(dir, still.file));
    const [shown, before, after] = await Promise.all([63, 62, 64].map((n) => frameLuma(clip, n)));
    expect(Math.abs(luma - shown!)).toBeLessThan(0.01);
    expect(Math.abs(luma - shown!)).toBeLessThan(Math.min(Math.abs(luma - before!), Math.abs(luma - after!)) / 2);
    expect(still.score).toBeGreaterThan(0);
    expect(Object.keys(still.subscores)).toEqual(expect.arrayContaining(['quality', 'sharpness', 'relevance', 'stillness']));
  });

  it('refuses a time outside the video', async () => {
    const clip = await countingClip();
    const dir = mkdtempSync(join(scratchDir(), 'still-at-'));
    const error = await stillAt(systemFfmpeg(), clip, 60, { outDir: dir }).catch((e: unknown) => e);
    expect(isAppError(error, 'invalid_argument')).toBe(true);
    expect((error as Error).message).toMatch(/outside the video \(0 to 6/);
  });
});
