import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Generated test clips: a storyboard of labelled stretches made from ffmpeg's lavfi sources, so that every
 * test knows exactly which seconds are good shots and which are black, faded, flashed, blurred or flat.
 */
export interface Stretch {
  readonly label: string;
  readonly seconds: number;
  /** A lavfi source plus filters, with {size}, {height} and {rate} placeholders. */
  readonly source: string;
  /** A bad stretch: no cover may come from it. */
  readonly bad?: boolean;
  /** Static picture (no GIF should come from it). */
  readonly still?: boolean;
}

/** The looks the storyboards are built from. Shots are distinct, sharp and moving unless said otherwise. */
export const looks = {
  black: (seconds: number): Stretch => ({ label: 'black', seconds, bad: true, still: true, source: 'color=c=black:s={size}:r={rate}' }),
  white: (seconds: number): Stretch => ({ label: 'white', seconds, bad: true, still: true, source: 'color=c=white:s={size}:r={rate}' }),
  card: (seconds: number): Stretch => ({
    label: 'card', seconds, bad: true, still: true,
    source: 'color=c=0x1c2a6a:s={size}:r={rate},drawbox=x=iw/4:y=ih*0.45:w=iw/2:h=ih/12:color=white:t=fill',
  }),
  bars: (seconds: number): Stretch => ({ label: 'bars', seconds, source: 'smptehdbars=s={size}:r={rate},noise=alls=18:allf=t+u,drawbox=x=mod(t*80\\,iw):y=ih/3:w=40:h=40:color=yellow:t=fill' }),
  testsrc: (seconds: number): Stretch => ({ label: 'testsrc', seconds, source: 'testsrc2=s={size}:r={rate}' }),
  mandelbrot: (seconds: number): Stretch => ({ label: 'mandelbrot', seconds, source: 'mandelbrot=s={size}:r={rate}:end_scale=0.05' }),
  life: (seconds: number): Stretch => ({ label: 'life', seconds, source: 'life=s={size}:r={rate}:mold=10:ratio=0.25:death_color=#3050C0:life_color=#F0E040,scale={size}:flags=neighbor' }),
  cells: (seconds: number): Stretch => ({ label: 'cells', seconds, source: 'cellauto=s={size}:r={rate}:rule=18,negate,hue=h=140:s=4' }),
  gradient: (seconds: number): Stretch => ({ label: 'gradient', seconds, source: 'testsrc=s={size}:r={rate},hue=H=2*PI*t/6:s=1.5,boxblur=1' }),
  fadeOut: (look: Stretch, seconds: number): Stretch => ({ ...look, label: `${look.label}-fade`, seconds, bad: true, source: `${look.source},fade=t=out:st=0:d=${seconds}` }),
  blurred: (look: Stretch, seconds: number): Stretch => ({ ...look, label: `${look.label}-blurred`, seconds, bad: true, source: `${look.source},gblur=sigma=9` }),
  /**
   * One continuous take of a moving camera: a pan across a still panorama of four different pictures
   * (a test card, a fractal, a pattern, colour bars) at `speed` pixels a second, never a cut.
   */
  pan: (seconds: number, speed: number): Stretch => ({
    label: 'pan', seconds,
    source: 'testsrc2=s={size},trim=end_frame=1[pa];mandelbrot=s={size},trim=end_frame=1,format=yuv420p[pb];'
      + 'life=s=320x180:mold=10:ratio=0.3:death_color=#203080:life_color=#F0C040,trim=start_frame=30:end_frame=31,scale={size}:flags=neighbor,format=yuv420p[pc];'
      + 'smptehdbars=s={size},trim=end_frame=1[pd];[pa][pb][pc][pd]hstack=4,loop=loop=-1:size=1,setpts=N/{rate}/TB,'
      // Grain, as a camera has: no flat run of identical pixels is the picture's own, so decoder fill stands out.
      + `crop=w=iw/4:h=ih:x='min(iw-ow\\,t*${speed})':y=0,noise=alls=8:allf=t:all_seed=7`,
  }),
  /** Very dark, low-contrast noise: an underexposed recording with nothing good in it. */
  murk: (seconds: number): Stretch => ({ label: 'murk', seconds, source: 'color=c=0x0a0a0c:s={size}:r={rate},noise=alls=6:allf=t' }),
} as const;

export interface ClipOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Keyframe interval in frames; 0 = one keyframe only. */
  readonly gop?: number;
  /** Extra output arguments (aspect, codec). */
  readonly extra?: readonly string[];
  /** Display rotation written into the container (a phone held sideways). */
  readonly rotate?: number;
  /** Rate control and preset (default: CRF 20, veryfast). */
  readonly encoding?: readonly string[];
}

/** Pure: the ffmpeg argv that renders a storyboard. */
export function storyboardArgs(stretches: readonly Stretch[], out: string, options: ClipOptions = {}): string[] {
  const size = `${options.width ?? 640}x${options.height ?? 360}`;
  const rate = String(options.fps ?? 25);
  const chains = stretches.map((s, i) => {
    const source = s.source.replaceAll('{size}', size).replaceAll('{rate}', rate).replaceAll('{height}', String(options.height ?? 360));
    return `${source},trim=duration=${s.seconds},setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${i}]`;
  });
  const inputs = stretches.map((_, i) => `[s${i}]`).join('');
  const graph = `${chains.join(';')};${inputs}concat=n=${stretches.length}:v=1:a=0[v]`;
  const gop = options.gop ?? 25;
  const keyframes = gop === 0 ? ['-x264-params', 'keyint=infinite:scenecut=0:min-keyint=infinite'] : ['-g', String(gop)];
  return [
    '-hide_banner', '-v', 'error', '-nostdin', '-y',
    '-filter_complex', graph, '-map', '[v]',
    '-c:v', 'libx264', ...(options.encoding ?? ['-preset', 'veryfast', '-crf', '20']), '-pix_fmt', 'yuv420p', ...keyframes,
    ...(options.extra ?? []),
    out,
  ];
}

/** Where each labelled stretch sits, in seconds. */
export function timeline(stretches: readonly Stretch[]): { label: string; start: number; end: number; bad: boolean; still: boolean }[] {
  let t = 0;
  return stretches.map((s) => {
    const entry = { label: s.label, start: t, end: t + s.seconds, bad: s.bad === true, still: s.still === true };
    t += s.seconds;
    return entry;
  });
}

/** The run's scratch directory (see global-setup.ts), or a fresh one when a test file runs on its own. */
export function scratchDir(): string {
  const dir = process.env['SMARTCOVER_TEST_DIR'] ?? mkdtempSync(join(tmpdir(), 'smartcover-test-'));
  process.env['SMARTCOVER_TEST_DIR'] = dir;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Renders a storyboard once per run: the file is named by a hash of its ffmpeg arguments, so test files
 * asking for the same clip share it, and it is written under a temporary name and renamed into place.
 */
export async function makeClip(name: string, stretches: readonly Stretch[], options: ClipOptions = {}): Promise<string> {
  const dir = scratchDir();
  const key = createHash('sha1').update(JSON.stringify([storyboardArgs(stretches, name, options), options.rotate])).digest('hex').slice(0, 10);
  const out = join(dir, `${name.replace(/\.[^.]+$/, '')}-${key}${extname(name)}`);
  if (existsSync(out)) return out;
  const partial = `${out}.${process.pid}.partial${extname(name)}`;
  await run('ffmpeg', storyboardArgs(stretches, partial, options), { maxBuffer: 1 << 20 });
  if (options.rotate !== undefined) {
    // ffmpeg 5 writes the display matrix from `rotate` only when the stream is copied, not re-encoded.
    const rotated = `${partial}.rotated${extname(name)}`;
    await run('ffmpeg', ['-v', 'error', '-y', '-i', partial, '-c', 'copy', '-metadata:s:v:0', `rotate=${options.rotate}`, rotated]);
    renameSync(rotated, partial);
  }
  renameSync(partial, out);
  return out;
}

/** Runs ffmpeg or ffprobe from PATH for a test's own fixtures and checks. */
export async function tool(name: 'ffmpeg' | 'ffprobe', args: readonly string[]): Promise<Buffer> {
  const { stdout } = await run(name, [...args], { maxBuffer: 64 << 20, encoding: 'buffer' });
  return stdout;
}
