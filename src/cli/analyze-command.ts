import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { buildEngine } from '../app.js';
import { ENGINE_SETTINGS, loadEngineConfig } from '../config.js';
import { analyzeVideo } from '../engine/analyze.js';
import type { Manifest } from '../engine/manifest.js';
import { AppError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { defaultOutDir, StagedOutput } from './output-dir.js';
import { parseFlags } from './parse-flags.js';
import { ProgressBar } from './progress-bar.js';

export const ANALYZE_USAGE = `Usage: smartcover analyze <video> [--out DIR] [--stills N] [--gifs N] [--json] [--no-subjects]

Finds the best stills and animated previews of a video and writes them, with covers.json, into DIR.

Options:
  --out DIR      where to write (default: ./<video name>.covers/); earlier covers there are replaced
  --stills N     PNG stills at the video's full resolution, 0–${20} (default 5)
  --gifs N       GIF previews of 1.5–4.5 s, 0–${5} (default 1)
  --json         print the manifest (covers.json) on stdout instead of a table
  --no-subjects  rank on picture quality alone, without the face and text models
  -h, --help     show this help

Environment:
${ENGINE_SETTINGS.map((s) => `  ${s.env.padEnd(20)} ${s.help}`).join('\n')}
`;

const MAX_STILLS = 20;
const MAX_GIFS = 5;

export async function analyzeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    out: { type: 'string' }, stills: { type: 'string' }, gifs: { type: 'string' }, json: { type: 'boolean' }, 'no-subjects': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help === true) {
    io.stdout.write(ANALYZE_USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (positionals.length === 0) problems.push('missing <video>');
  if (positionals.length > 1) problems.push(`one video at a time (got ${positionals.length})`);
  const stills = count('--stills', values.stills, 5, MAX_STILLS, problems);
  const gifs = count('--gifs', values.gifs, 1, MAX_GIFS, problems);
  if (stills === 0 && gifs === 0) problems.push('--stills 0 and --gifs 0 leave nothing to do');
  if (values.out === '') problems.push('--out needs a directory');
  if (problems.length > 0) throw new AppError('invalid_argument', problems.join('; '));

  const video = resolve(io.cwd, positionals[0]!);
  const engine = buildEngine(loadEngineConfig(io.env, { noSubjects: values['no-subjects'] === true }));
  const target = values.out === undefined ? defaultOutDir(video, io.cwd) : resolve(io.cwd, values.out);
  const output = await StagedOutput.open(target);
  const bar = new ProgressBar(io.stderr);
  let manifest: Manifest;
  try {
    manifest = await analyzeVideo(engine.ffmpeg, video, {
      stills, gifs, outDir: output.staging, signal: io.signal, subjects: engine.subjects, limits: engine.limits,
      onProgress: (fraction, stage) => bar.update(fraction, stage),
    });
    await writeFile(join(output.staging, 'covers.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await output.commit();
  } catch (error) {
    await output.discard();
    throw error;
  } finally {
    bar.clear();
    await engine.close();
  }
  io.stdout.write(values.json === true ? `${JSON.stringify(manifest)}\n` : table(manifest, displayPath(io.cwd, target)));
  return 0;
}

function count(flag: string, raw: string | undefined, fallback: number, max: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    problems.push(`${flag} must be a whole number from 0 to ${max} (got '${raw}')`);
    return fallback;
  }
  return Number(raw);
}

/** The human summary: one line about the video, then one per cover. */
function table(manifest: Manifest, where: string): string {
  const v = manifest.video;
  const stills = manifest.covers.filter((c) => c.format === 'png').length;
  const gifs = manifest.covers.length - stills;
  const lines = [
    `${where}/: ${stills} still${stills === 1 ? '' : 's'} and ${gifs} preview${gifs === 1 ? '' : 's'} from ${clock(v.duration)} of ${v.width}x${v.height} ${v.codec}` +
      ` (${manifest.analysis.framesAnalysed} ${manifest.analysis.sampling === 'keyframes' ? 'keyframes' : 'sampled frames'} analysed)`,
    '',
    `${'file'.padEnd(20)}${'score'.padStart(6)}  ${'at'.padStart(9)}  size`,
    ...manifest.covers.map((c) => {
      const span = c.format === 'gif' ? ` for ${c.duration.toFixed(1)} s` : '';
      const weak = c.format === 'png' && c.defects !== undefined ? `  (weak: ${c.defects.join(', ')})` : '';
      return `${c.file.padEnd(20)}${c.score.toFixed(2).padStart(6)}  ${clock(c.time).padStart(9)}  ${c.width}x${c.height}${span}${weak}`;
    }),
  ];
  if (manifest.analysis.pool === 'relaxed') lines.push('', 'Nothing in this video passed the quality filters: these are the best of what there is.');
  return `${lines.join('\n')}\n`;
}

/** A path as the user would type it: relative when it is under the current directory. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(2).padStart(5, '0')}`;
}
