/**
 * npm run bench:engine [-- --runs N]
 *
 * Measures what `smartcover analyze` costs next to the floor (decoding only the keyframes, scaled small:
 * the least any tool can do to look at the whole video) and a full decode, in one run on the same files:
 * - a 10-minute 1080p25 H.264 corpus at ~8 Mbps, once with 2 s and once with 10 s keyframe intervals;
 * - a 60-minute file (the 2 s corpus six times) to show memory does not grow with length;
 * - a 4K clip, a 4096×4096 one and an 8K one for memory at the largest sizes (--only huge: just those);
 * - a 10-second clip for the fixed cost of a video (analyze less its keyframe pass);
 * - each with the subject models (the default) and without (--no-subjects), and what each model costs.
 * CPU is user + system seconds of the whole process tree (node and its ffmpeg children); memory is the
 * peak resident size of the tree, sampled every 20 ms (and its PSS: shared pages counted once). The corpus is cached in bench/.corpus/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { storyboardArgs, type Stretch } from '../test/support/clips.js';
import { measure, median, type Measurement } from './measure.js';
import { modelCosts } from './model-costs.js';
import { TEXT_SIDE } from '../src/engine/subjects/examine.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'full-runs': { type: 'string', default: '1' }, only: { type: 'string' } } });
const runs = Number(values.runs);
const fullRuns = Number(values['full-runs']);
const root = fileURLToPath(new URL('..', import.meta.url));
const corpus = join(root, 'bench', '.corpus');
const cli = join(root, 'dist', 'main.js');
mkdirSync(corpus, { recursive: true });

// Two minutes of varied 1080p content with cuts every 10 s. Film grain (temporal noise) brings synthetic
// sources up to the bitrate of real footage; costly generators render small and are scaled up.
const grain = ',noise=alls=10:allf=t';
const hd = 'scale=1920:1080:flags=bicubic';
const stretch = (label: string, source: string): Stretch => ({ label, seconds: 10, source: source + grain });
const master: Stretch[] = [
  stretch('testsrc', 'testsrc2=s={size}:r={rate}'),
  stretch('mandelbrot', `mandelbrot=s=480x270:r={rate}:end_scale=0.02,${hd}`),
  stretch('life', `life=s=480x270:r={rate}:mold=10:ratio=0.25:death_color=#3050C0:life_color=#F0E040,${hd}`),
  stretch('bars', 'smptehdbars=s={size}:r={rate},drawbox=x=mod(t*200\\,iw):y=ih/3:w=120:h=120:color=yellow:t=fill'),
  stretch('gradient', 'testsrc=s={size}:r={rate},hue=H=2*PI*t/10:s=1.5'),
  stretch('cells', `cellauto=s=480x270:r={rate}:rule=110,negate,hue=h=140:s=4,${hd}`),
  stretch('fade', 'testsrc2=s={size}:r={rate},fade=t=out:st=2:d=6'),
  stretch('card', 'color=c=0x1c2a6a:s={size}:r={rate},drawbox=x=iw/4:y=ih*0.45:w=iw/2:h=ih/12:color=white:t=fill'),
  stretch('zoom', `mandelbrot=s=480x270:r={rate}:start_x=-0.75:start_y=0.1:end_scale=0.2,hue=h=200,${hd}`),
  stretch('rgb', 'rgbtestsrc=s={size}:r={rate},rotate=a=t/3:c=black'),
  stretch('yuv', 'yuvtestsrc=s={size}:r={rate},hue=H=t'),
  stretch('testsrc-b', 'testsrc2=s={size}:r={rate},negate'),
];

function encoded(name: string, gop: number): string {
  const out = join(corpus, name);
  if (existsSync(out)) return out;
  process.stderr.write(`rendering ${name} (2 min of 1080p, once) …\n`);
  const args = storyboardArgs(master, `${out}.partial.mp4`, {
    width: 1920, height: 1080, fps: 25, gop,
    encoding: ['-preset', 'veryfast', '-b:v', '8M', '-maxrate', '10M', '-bufsize', '16M', '-sc_threshold', '0', '-keyint_min', String(gop)],
  });
  execFileSync('ffmpeg', args, { stdio: 'inherit' });
  renameSync(`${out}.partial.mp4`, out);
  return out;
}

function repeated(name: string, source: string, times: number): string {
  const out = join(corpus, name);
  if (existsSync(out)) return out;
  const list = join(corpus, `${name}.txt`);
  writeFileSync(list, Array.from({ length: times }, () => `file '${source}'\n`).join(''));
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', `${out}.partial.mp4`]);
  renameSync(`${out}.partial.mp4`, out);
  return out;
}

function firstSeconds(name: string, source: string, seconds: number): string {
  const out = join(corpus, name);
  if (existsSync(out)) return out;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-t', String(seconds), '-c', 'copy', `${out}.partial.mp4`]);
  renameSync(`${out}.partial.mp4`, out);
  return out;
}

function uhd(): string {
  const out = join(corpus, 'uhd-20s.mp4');
  if (existsSync(out)) return out;
  process.stderr.write('rendering uhd-20s.mp4 (once) …\n');
  const board = master.slice(0, 4).map((s) => ({ ...s, seconds: 5, source: s.source.replaceAll('1920:1080', '3840:2160') }));
  execFileSync('ffmpeg', storyboardArgs(board, `${out}.partial.mp4`, { width: 3840, height: 2160, fps: 25, gop: 50, encoding: ['-preset', 'ultrafast', '-b:v', '30M'] }), { stdio: 'inherit' });
  renameSync(`${out}.partial.mp4`, out);
  return out;
}

const duration = (file: string) => Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString());
const bitrate = (file: string) => Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', file]).toString()) / 1e6;

const floorCommand = (file: string) => ['ffmpeg', '-nostdin', '-v', 'error', '-skip_frame', 'nokey', '-i', file, '-map', '0:v:0', '-vf', 'scale=320:180:flags=area,format=rgb24', '-vsync', 'passthrough', '-f', 'rawvideo', '-y', '/dev/null'];
/** The same keyframe decode on one thread: cheaper in CPU, so the stricter floor to compare against. */
const floor1Command = (file: string) => ['ffmpeg', '-nostdin', '-v', 'error', '-threads', '1', '-filter_threads', '1', '-skip_frame', 'nokey', '-i', file, '-map', '0:v:0', '-vf', 'scale=320:180:flags=area,format=rgb24', '-vsync', 'passthrough', '-f', 'rawvideo', '-y', '/dev/null'];
const fullCommand = (file: string) => ['ffmpeg', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'null', '-'];
const analyzeCommand = (file: string, out: string) => [process.execPath, cli, 'analyze', file, '--out', out, '--json'];
/** The heuristic engine alone, as before the subject models: the same run with --no-subjects. */
const plainCommand = (file: string, out: string) => [...analyzeCommand(file, out), '--no-subjects'];

async function series(commands: Record<string, string[]>, times: Record<string, number>): Promise<Record<string, Measurement>> {
  const results: Record<string, Measurement[]> = {};
  const most = Math.max(...Object.values(times));
  // Interleaved, so that a noisy neighbour slows every variant alike.
  for (let i = 0; i < most; i++) {
    for (const [name, argv] of Object.entries(commands)) {
      if (i >= (times[name] ?? 1)) continue;
      (results[name] ??= []).push(await measure(argv));
    }
  }
  return Object.fromEntries(Object.entries(results).map(([name, list]) => [name, {
    cpu: median(list.map((m) => m.cpu)), wall: median(list.map((m) => m.wall)),
    peakTreeMb: Math.max(...list.map((m) => m.peakTreeMb)), peakProcessMb: Math.max(...list.map((m) => m.peakProcessMb)),
    peakTreePssMb: Math.max(...list.map((m) => m.peakTreePssMb)),
  }]));
}

/**
 * Frames at the media limits' scale: 10 s of 4096×4096 (one keyframe: the worst case, every pass decodes
 * from the start) and 6 s of 8K (7680×4320, 2 s GOP), each analysed with and without the subject models.
 * The bound is 300 MB for the whole tree.
 */
function hugeClip(name: string, size: string, seconds: number, gop: number): string {
  const out = join(corpus, name);
  if (existsSync(out)) return out;
  process.stderr.write(`rendering ${name} (once) …\n`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-pix_fmt', 'yuv420p', `${out}.partial.mp4`], { stdio: 'inherit' });
  renameSync(`${out}.partial.mp4`, out);
  return out;
}

async function hugeTable(scratchDir: string): Promise<string> {
  const lines: string[] = [];
  for (const [label, file] of [['20 s of 4K (3840×2160), 2 s GOP', uhd()], ['10 s of 4096×4096, one keyframe', hugeClip('square-4096-10s.mp4', '4096x4096', 10, 1000)], ['6 s of 8K (7680×4320), 2 s GOP', hugeClip('8k-6s.mp4', '7680x4320', 6, 50)]] as const) {
    const r = await series({ floor: floorCommand(file), analyze: analyzeCommand(file, join(scratchDir, 'huge')), plain: plainCommand(file, join(scratchDir, 'huge-plain')) }, { floor: 1, analyze: 1, plain: 1 });
    const mb = (m: Measurement) => `${m.peakTreePssMb.toFixed(0)} MB (RSS sum ${m.peakTreeMb.toFixed(0)}, largest process ${m.peakProcessMb.toFixed(0)})`;
    lines.push(`| ${label} | ${r.analyze!.cpu.toFixed(1)} (${r.plain!.cpu.toFixed(1)}) | ${r.floor!.cpu.toFixed(1)} | ${mb(r.analyze!)} | ${mb(r.plain!)} | ${r.analyze!.peakTreePssMb <= 300 && r.plain!.peakTreePssMb <= 300 ? 'met' : 'NOT met'} |`);
  }
  return `| largest frames | analyze CPU-s (--no-subjects) | floor CPU-s | analyze peak (tree, PSS) | --no-subjects peak | ≤ 300 MB |
|---|---|---|---|---|---|
${lines.join('\n')}`;
}

if (values.only === 'huge') {
  const dir = mkdtempSync(join(tmpdir(), 'smartcover-bench-'));
  console.log(await hugeTable(dir));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'smartcover-bench-'));
const g2 = repeated('10min-gop2s.mp4', encoded('master-gop2s.mp4', 50), 5);
const g10 = repeated('10min-gop10s.mp4', encoded('master-gop10s.mp4', 250), 5);
const long = repeated('60min-gop2s.mp4', g2, 6);
const big = uhd();

const rows: string[] = [];
const fmt = (n: number, d = 2) => n.toFixed(d);
for (const [label, file] of [['10 min, 2 s GOP', g2], ['10 min, 10 s GOP', g10]] as const) {
  const minutes = duration(file) / 60;
  const r = await series(
    { floor: floorCommand(file), floor1: floor1Command(file), full: fullCommand(file), analyze: analyzeCommand(file, join(scratch, 'out')), plain: plainCommand(file, join(scratch, 'plain')) },
    { floor: runs, floor1: runs, full: fullRuns, analyze: runs, plain: runs },
  );
  // The floor is ffmpeg's keyframe-only decode as it runs by default; the single-threaded one is
  // cheaper, so both verdicts are printed.
  // With the subject models the target is 2 × floor + 4 s; the heuristic engine alone keeps its 2 × floor + 3 s.
  const target = 2 * r.floor!.cpu + 4;
  const strict = 2 * r.floor1!.cpu + 4;
  const plainTarget = 2 * r.floor!.cpu + 3;
  rows.push(
    `| ${label} (${fmt(bitrate(file), 1)} Mbps) | ${fmt(r.floor!.cpu / minutes)} / ${fmt(r.floor1!.cpu / minutes)} | ${fmt(r.analyze!.cpu / minutes)} | ${fmt(r.full!.cpu / minutes)} | ` +
      `${fmt(r.analyze!.cpu, 1)} s vs ${fmt(target, 1)} s (${r.analyze!.cpu <= target ? 'met' : 'MISSED'}); vs ${fmt(strict, 1)} s (${r.analyze!.cpu <= strict ? 'met' : 'over'}) | ` +
      `${fmt(r.plain!.cpu, 1)} s vs ${fmt(plainTarget, 1)} s (${r.plain!.cpu <= plainTarget ? 'met' : 'MISSED'}) | ${fmt(r.full!.cpu / r.analyze!.cpu, 1)}× | ` +
      `${fmt(r.analyze!.peakTreeMb, 0)} MB (largest process ${fmt(r.analyze!.peakProcessMb, 0)}) | ${fmt(r.plain!.peakTreeMb, 0)} MB | ${fmt(r.floor!.peakTreeMb, 0)} MB | ${fmt(r.full!.peakTreeMb, 0)} MB |`,
  );
  process.stderr.write(`${rows.at(-1)}\n`);
}

const longRun = await series({ floor: floorCommand(long), analyze: analyzeCommand(long, join(scratch, 'long')), plain: plainCommand(long, join(scratch, 'long-plain')) }, { floor: 1, analyze: 1, plain: 1 });
const uhdRun = await series({ floor: floorCommand(big), analyze: analyzeCommand(big, join(scratch, 'uhd')) }, { floor: 1, analyze: 1 });
// The fixed cost of a video: what analyze spends beyond the keyframe pass on a clip too short for the pass to matter.
const clip = firstSeconds('10s-gop2s.mp4', encoded('master-gop2s.mp4', 50), 10);
const clipRun = await series({ floor: floorCommand(clip), analyze: analyzeCommand(clip, join(scratch, 'clip')), plain: plainCommand(clip, join(scratch, 'clip-plain')) }, { floor: runs, analyze: runs, plain: runs });
const costs = await modelCosts(g2);
const huge = await hugeTable(scratch);
rmSync(scratch, { recursive: true, force: true });

const cpuInfo = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).toString().trim();
console.log(`Engine benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpuInfo}, ${runs} runs (full decode ${fullRuns}), medians

| corpus | floor CPU-s/min (default threads / 1 thread) | analyze CPU-s/min | full decode CPU-s/min | analyze vs 2×floor+4 s (default floor; 1-thread floor) | --no-subjects vs 2×floor+3 s | full ÷ analyze | analyze peak RSS (tree) | --no-subjects peak | floor peak | full peak |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

| length | analyze CPU-s (--no-subjects) | floor CPU-s | analyze peak RSS (tree) |
|---|---|---|---|
| 60 min, 2 s GOP | ${fmt(longRun.analyze!.cpu, 1)} (${fmt(longRun.plain!.cpu, 1)}) | ${fmt(longRun.floor!.cpu, 1)} | ${fmt(longRun.analyze!.peakTreeMb, 0)} MB (largest process ${fmt(longRun.analyze!.peakProcessMb, 0)}; --no-subjects ${fmt(longRun.plain!.peakTreeMb, 0)} MB) |
| 20 s of 4K (3840×2160) | ${fmt(uhdRun.analyze!.cpu, 1)} | ${fmt(uhdRun.floor!.cpu, 1)} | ${fmt(uhdRun.analyze!.peakTreeMb, 0)} MB (largest process ${fmt(uhdRun.analyze!.peakProcessMb, 0)}) |
| 10 s of 1080p, 2 s GOP (fixed cost per video: ${fmt(clipRun.analyze!.cpu - clipRun.floor!.cpu, 1)} CPU-s; --no-subjects ${fmt(clipRun.plain!.cpu - clipRun.floor!.cpu, 1)}) | ${fmt(clipRun.analyze!.cpu, 1)} (${fmt(clipRun.plain!.cpu, 1)}) | ${fmt(clipRun.floor!.cpu, 1)} | ${fmt(clipRun.analyze!.peakTreeMb, 0)} MB (largest process ${fmt(clipRun.analyze!.peakProcessMb, 0)}) |

${huge}

Subject models, in this process on one thread (${costs.frames} corpus frames at 640×360; landmarks on real portraits):

| step | cost |
|---|---|
| load: text detection (onnxruntime session) | ${fmt(costs.textLoadMs, 0)} ms |
| load: face detector (human + tfjs-wasm) | ${fmt(costs.faceLoadMs, 0)} ms |
| text detection, whole frame at ${TEXT_SIDE} px | ${fmt(costs.text, 1)} ms/frame |
| text detection, bottom band 640×108 (subtitles) | ${fmt(costs.subtitleBand, 1)} ms/frame |
| face detector (BlazeFace) | ${fmt(costs.faceDetect, 1)} ms/frame |
| face detector + mesh + iris, one face | ${fmt(costs.faceLandmarks, 1)} ms/frame |`);
