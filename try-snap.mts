import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { FfmpegRunner } from './src/engine/ffmpeg.js';
import { locateFfmpeg } from './src/engine/ffmpeg-binaries.js';
import { takeSnapshots } from './src/engine/snapshots.js';
const ff = new FfmpegRunner(locateFfmpeg(process.env));
for (const [name, req] of [
  ['normal', { schedule: { count: 5, interval: 10, offsetMs: 1000 }, frameType: 'normal', width: 320 }],
  ['intra', { schedule: { count: 1, interval: 1, offsetMs: 0, offsetsMs: [0, 5000, 5010, 33333] }, frameType: 'intra' }],
  ['sprite', { schedule: { count: 50, interval: 1, offsetMs: 0 }, frameType: 'normal', sprite: { columns: 10, lines: 3, padding: 2, margin: 4, color: 'black' } }],
] as const) {
  const dir = mkdtempSync('/tmp/snap-' + name + '-');
  const t = Date.now();
  const out = await takeSnapshots(ff, 'test/.footage/vtest.avi', req as any, { outDir: dir });
  console.log(name, Date.now() - t, 'ms', dir, JSON.stringify({ ...out, times: out.times.slice(0, 6) }).slice(0, 300));
  if (out.vtt) console.log(readFileSync(dir + '/index.vtt', 'utf8').split('\n').slice(0, 8).join('\n'));
}
