import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Generated test clips: a storyboard of labelled stretches made from ffmpeg's lavfi sources, so that every
 * test knows exactly which seconds are good shots and which are black, faded, flashed, blurred or flat.
 */
export interface Stretch {
  readonly label: string;
  readonly seconds: number;
  /** A lavfi source plus filters, with {size} and {rate} placeholders. */
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
  /** Very dark, low-contrast noise: an underexposed recording with nothing good in it. */
  murk: (seconds: number): Stretch => ({ label: 'murk', seconds, source: 'color=c=0x0a0a0c:s={size}:r={rate},noise=alls=6:allf=t' }),
} as const;

export interface ClipOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Keyframe interval in frames; 0 = one keyframe only. */
  readonly gop?: number;
  /** Extra output arguments (rotation metadata, codec). */
  readonly extra?: readonly string[];
}

/** Pure: the ffmpeg argv that renders a storyboard. */
export function storyboardArgs(stretches: readonly Stretch[], out: string, options: ClipOptions = {}): string[] {
  const size = `${options.width ?? 640}x${options.height ?? 360}`;
  const rate = String(options.fps ?? 25);
  const chains = stretches.map((s, i) => {
    const source = s.source.replaceAll('{size}', size).replaceAll('{rate}', rate);
    return `${source},trim=duration=${s.seconds},setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${i}]`;
  });
  const inputs = stretches.map((_, i) => `[s${i}]`).join('');
  const graph = `${chains.join(';')};${inputs}concat=n=${stretches.length}:v=1:a=0[v]`;
  const gop = options.gop ?? 25;
  const keyframes = gop === 0 ? ['-x264-params', 'keyint=infinite:scenecut=0:min-keyint=infinite'] : ['-g', String(gop)];
  return [
    '-hide_banner', '-v', 'error', '-nostdin', '-y',
    '-filter_complex', graph, '-map', '[v]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', ...keyframes,
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

export async function makeClip(dir: string, name: string, stretches: readonly Stretch[], options: ClipOptions = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  await run('ffmpeg', storyboardArgs(stretches, out, options), { maxBuffer: 1 << 20 });
  return out;
}
