/**
 * npm run bench:real [-- DIR_OR_FILE ...]
 *
 * Runs `smartcover analyze` on real videos (default: test/.footage/, which scripts/real-footage.sh fills;
 * pass any directories or files) and checks what a user would: five stills (or a reason why not), each
 * the picture a player shows at its stated time (against a decode from the start), no two alike, a GIF of
 * 1.5–4.5 s in any video of 1.5 s or more, and whether the file was reported damaged. It prints one row
 * per video and a summary; the exit code is 1 when any check failed. CPU is user + system seconds of the
 * analyze process tree.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GifEntry, Manifest, StillEntry } from '../src/engine/manifest.js';
import { changedShare, difference, neighboursOf, sequentialFrameAt, thumbnailOf } from '../test/support/truth.js';
import { measure } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'main.js');
const VIDEO = /\.(mp4|m4v|mov|mkv|webm|avi|ogv|ogg|mpg|mpeg|ts|m2ts|flv|wmv|3gp)$/i;

const inputs = process.argv.slice(2).filter((a) => a !== '--');
const files = (inputs.length > 0 ? inputs : [join(root, 'test', '.footage')]).flatMap((p) => {
  const path = resolve(p);
  return statSync(path).isDirectory() ? readdirSync(path).filter((f) => VIDEO.test(f)).sort().map((f) => join(path, f)) : [path];
});
if (files.length === 0) {
  console.error('no videos: run scripts/real-footage.sh, or name directories or files');
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'smartcover-real-'));
const rows: string[] = [];
const problems: string[] = [];
let cpu = 0;
for (const [n, file] of files.entries()) {
  const out = join(scratch, String(n));
  const name = file.split('/').pop()!;
  let manifest: Manifest;
  let run;
  try {
    run = await measure([process.execPath, cli, 'analyze', file, '--out', out, '--json']);
    manifest = JSON.parse(readFileSync(join(out, 'covers.json'), 'utf8')) as Manifest;
  } catch (error) {
    problems.push(`${name}: analyze failed (${error instanceof Error ? error.message.split('\n').at(-1) : String(error)})`);
    rows.push(`| ${name} | failed | | | | | |`);
    continue;
  }
  cpu += run.cpu;
  const stills = manifest.covers.filter((c): c is StillEntry => c.format === 'png');
  const gif = manifest.covers.find((c): c is GifEntry => c.format === 'gif');
  const thumbs = await Promise.all(stills.map((s) => thumbnailOf(join(out, s.file))));
  let mismatched = 0;
  // Not the shown frame: far from it, or a neighbouring frame matches better (a time off by a frame).
  for (const [i, s] of stills.entries()) {
    const error = difference(thumbs[i]!, await sequentialFrameAt(file, s.time));
    const closer = (await neighboursOf(file, s.time)).some((other) => difference(thumbs[i]!, other) + 0.001 < error);
    if (error >= 0.05 || closer) mismatched++;
  }
  let alike = 0;
  for (let i = 0; i < thumbs.length; i++) {
    for (let j = i + 1; j < thumbs.length; j++) if (difference(thumbs[i]!, thumbs[j]!) <= 0.02 && changedShare(thumbs[i]!, thumbs[j]!) <= 0.025) alike++;
  }
  const gifOk = gif === undefined ? manifest.video.duration < 0.5 : manifest.video.duration < 1.5 || (gif.duration >= 1.5 && gif.duration <= 4.5);
  if (stills.length < 5 && manifest.analysis.why === undefined) problems.push(`${name}: ${stills.length} stills and no reason`);
  if (mismatched > 0) problems.push(`${name}: ${mismatched} still(s) not the frame shown at their time`);
  if (alike > 0) problems.push(`${name}: ${alike} pair(s) of stills look alike`);
  if (!gifOk) problems.push(`${name}: GIF of ${gif?.duration ?? 'none'} s in a ${manifest.video.duration} s video`);
  rows.push(`| ${name} | ${manifest.video.codec} ${manifest.video.duration.toFixed(1)} s | ${stills.length}${stills.length < 5 ? ` (${manifest.analysis.why})` : ''} | ${mismatched} / ${alike} | ${gif?.duration ?? '—'} | ${manifest.analysis.damage === undefined ? '' : 'damaged'} | ${run.cpu.toFixed(1)} |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
rmSync(scratch, { recursive: true, force: true });

console.log(`Real videos — ${new Date().toISOString().slice(0, 10)}, ${files.length} files

| video | codec, length | stills | not the shown frame / alike pairs | GIF s | damage | CPU-s |
|---|---|---|---|---|---|---|
${rows.join('\n')}

${files.length} videos, ${cpu.toFixed(1)} CPU-s in all; ${problems.length === 0 ? 'every check passed' : `${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`}`);
process.exit(problems.length === 0 ? 0 : 1);
