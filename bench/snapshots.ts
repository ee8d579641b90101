/**
 * npm run bench:snapshots [-- --minutes 10 --shots 10]
 *
 * A snapshot job's engine pass on a long video (testsrc2, 640×360, 25 fps, a keyframe every 10 s):
 * `--shots` stills spread over the whole video taken the way takeSnapshots takes shots far apart (the
 * keyframe survey, then the engine's look pass at each time), by keyframes only (FrameType intra), next to ffmpeg decoding the whole video once (what a
 * frame-accurate single pass costs) and to a sprite job of one shot a second for the first minute (a
 * dense series: one pass).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { takeSnapshots, type SnapshotRequest } from '../src/engine/snapshots.js';
import { makeClip, scratchDir, tool } from '../test/support/clips.js';
import { systemFfmpeg } from '../test/support/engine.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, shots: { type: 'string', default: '10' } } });
const seconds = Number(values.minutes) * 60;
const shots = Number(values.shots);
process.env['SMARTCOVER_TEST_DIR'] = mkdtempSync(join(process.cwd(), 'bench', '.snapshots-'));
const video = await makeClip(`bench-snapshots-${seconds}.mp4`, [{ label: 'long', seconds, source: 'testsrc2=s={size}:r={rate}' }], {
  width: 640, height: 360, fps: 25, gop: 250, encoding: ['-preset', 'ultrafast', '-crf', '28'],
});
const ffmpeg = systemFfmpeg();

async function timed(label: string, run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  const took = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(52)} ${took.toFixed(2)} s`);
  return took;
}
const shoot = (request: SnapshotRequest) => () => takeSnapshots(ffmpeg, video, request, { outDir: mkdtempSync(join(scratchDir(), 'shots-')) });

console.log(`${values.minutes} min at 640×360, ${shots} shots spread over it`);
const full = await timed('ffmpeg decoding the whole video once', () => tool('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-']));
const seek = await timed(`${shots} frame-accurate shots (survey + look pass)`, shoot({ schedule: { count: shots, interval: 0, offsetMs: 0 }, frameType: 'normal' }));
const intra = await timed(`${shots} keyframe shots (FrameType intra)`, shoot({ schedule: { count: shots, interval: 0, offsetMs: 0 }, frameType: 'intra' }));
await timed('sprite job: 60 cells, one a second (one pass)', shoot({
  schedule: { count: 60, interval: 1, offsetMs: 0 }, frameType: 'normal', sprite: { columns: 10, lines: 10, padding: 0, margin: 0, color: 'black' },
}));
console.log(`looking: ${(seek / full * 100).toFixed(0)} % of one full decode; keyframes: ${(intra / full * 100).toFixed(0)} %`);
