import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClip, scratchDir } from '../../test/support/clips.js';
import { systemFfmpeg } from '../../test/support/engine.js';
import { meanLuma } from '../../test/support/media.js';
import { takeSnapshots, type SnapshotRequest } from './snapshots.js';

/**
 * Two minutes in which every frame has its own brightness within its second (frame n: luma 20 + 8·(n mod 25)),
 * at 25 fps with a keyframe every 10 s: a shot's brightness tells which frame it is. Shots far apart are
 * taken by the engine's look pass, shots close together in one pass: both must give the frame at or after
 * each time.
 */
async function countingClip(): Promise<string> {
  return makeClip('snapshot-counting.mp4', [{
    label: 'counting', seconds: 120,
    source: "testsrc2=s={size}:r={rate},format=gray,geq=lum='20+8*mod(N\\,25)+0*p(X\\,Y)',format=yuv420p",
  }], { width: 160, height: 90, fps: 25, gop: 250 });
}

const lumaOfFrame = (n: number) => 20 + 8 * (n % 25);

async function shoot(request: SnapshotRequest): Promise<number[]> {
  const outDir = mkdtempSync(join(scratchDir(), 'snapshots-'));
  const out = await takeSnapshots(systemFfmpeg(), await countingClip(), request, { outDir });
  return Promise.all(out.shots.map(async (s) => 255 * (await meanLuma(join(outDir, s)))));
}

describe('takeSnapshots', () => {
  it('takes the frame at or after each time, whether it looks at each (times far apart) or reads through (times close together)', async () => {
    const far = [10_360, 33_360, 77_520, 101_040];
    const near = [360, 1_480, 2_520];
    for (const offsetsMs of [far, near]) {
      const lumas = await shoot({ schedule: { count: 1, interval: 1, offsetMs: 0, offsetsMs }, frameType: 'normal' });
      lumas.forEach((luma, i) => expect(Math.abs(luma - lumaOfFrame(Math.ceil((offsetsMs[i]! / 1000) * 25 - 1e-6))), `${offsetsMs[i]} ms`).toBeLessThan(3));
    }
  });

  it("FrameType intra takes the first keyframe at or after each time", async () => {
    const lumas = await shoot({ schedule: { count: 1, interval: 1, offsetMs: 0, offsetsMs: [0, 33_360, 95_000] }, frameType: 'intra' });
    // Keyframes every 10 s: frames 0, 1000 (40 s) and 2500 (100 s), all the first frame of their second.
    lumas.forEach((luma) => expect(Math.abs(luma - 20)).toBeLessThan(3));
  });
});
