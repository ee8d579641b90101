import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tool } from './clips.js';

const run = promisify(execFile);

/**
 * Checks of covers against the video itself, made with ffmpeg and a few lines of arithmetic here, never
 * with the engine's own code: what a user would see if they opened the file in a player.
 */
const THUMB = { width: 96, height: 54 };

/** Every frame of a video as a player decodes it from the start, as grey thumbnails with their times. */
interface Decoded {
  readonly times: number[];
  readonly frames: Uint8Array[];
}
const decoded = new Map<string, Promise<Decoded>>();

/** Decodes a video once, from its start, to grey thumbnails (cached per file for the test run). */
function decodeAll(file: string): Promise<Decoded> {
  let result = decoded.get(file);
  if (result === undefined) decoded.set(file, (result = decodeFrames(file)));
  return result;
}

async function decodeFrames(file: string): Promise<Decoded> {
  const { stdout, stderr } = await run('ffmpeg', [
    '-hide_banner', '-nostats', '-loglevel', 'info', '-i', file, '-map', '0:v:0',
    '-vf', `scale=${THUMB.width}:${THUMB.height}:flags=area,format=gray,showinfo`, '-vsync', 'passthrough', '-f', 'rawvideo', '-',
  ], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const times = [...stderr.toString('utf8').matchAll(/n:\s*\d+\s+pts:\s*\S+\s+pts_time:(\S+)/g)].map((m) => Number(m[1]));
  const size = THUMB.width * THUMB.height;
  const frames = times.map((_, i) => new Uint8Array(stdout.subarray(i * size, (i + 1) * size)));
  return { times, frames };
}

/** Grey thumbnail of the frame a player shows at `time` when it decodes the video from its very start. */
export async function sequentialFrameAt(file: string, time: number): Promise<Uint8Array> {
  const { times, frames } = await decodeAll(file);
  // Half a millisecond of slack: a stated time is floored to the millisecond, pts_time is a float.
  const i = times.findIndex((t) => t >= time - 0.0005);
  return frames[i < 0 ? frames.length - 1 : i] ?? new Uint8Array();
}

/** The frames just before and just after the one at `time` (see sequentialFrameAt), where there are any. */
export async function neighboursOf(file: string, time: number): Promise<Uint8Array[]> {
  const { times, frames } = await decodeAll(file);
  const i = times.findIndex((t) => t >= time - 0.0005);
  return [frames[i - 1], frames[i + 1]].filter((f): f is Uint8Array => f !== undefined);
}

/**
 * Grey thumbnail of the frame a player shows at `time`: the last frame whose time is at or before it
 * (what a GIF frame, made at fixed ticks, shows).
 */
export async function shownAt(file: string, time: number): Promise<Uint8Array> {
  const { times, frames } = await decodeAll(file);
  let i = 0;
  while (i + 1 < times.length && times[i + 1]! <= time + 0.0005) i++;
  return frames[i] ?? new Uint8Array();
}

/** Grey thumbnail of a picture file (a PNG cover, or a GIF's frame `frame`). */
export async function thumbnailOf(file: string, frame = 0): Promise<Uint8Array> {
  return new Uint8Array(await tool('ffmpeg', [
    '-v', 'error', '-i', file, '-vf', `select=eq(n\\,${frame}),scale=${THUMB.width}:${THUMB.height}:flags=area,format=gray`, '-frames:v', '1', '-f', 'rawvideo', '-',
  ]));
}

/** Mean absolute difference of two grey thumbnails, 0..1. */
export function difference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 1;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / (a.length * 255);
}

/** Share of the pixels of two grey thumbnails that differ by more than a tenth of the grey scale. */
export function changedShare(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 1;
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 25) changed++;
  return changed / a.length;
}

/**
 * Share of a picture (every frame of a GIF, the worst one) painted in what decoders fill missing data
 * with: runs of 8 identical pixels that are pure green or neutral mid grey.
 */
export async function worstFill(file: string): Promise<number> {
  const probe = JSON.parse((await tool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', file])).toString()) as { streams: { width: number; height: number }[] };
  const { width, height } = probe.streams[0]!;
  const rgb = await tool('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const frameBytes = width * height * 3;
  let worst = 0;
  for (let start = 0; start + frameBytes <= rgb.length; start += frameBytes) {
    let filled = 0, runs = 0;
    for (let p = start; p + 24 <= start + frameBytes; p += 24) {
      runs++;
      const r = rgb[p]!, g = rgb[p + 1]!, b = rgb[p + 2]!;
      const fill = (g > 90 && r < 24 && b < 24) || (Math.abs(r - 128) <= 3 && Math.abs(g - 128) <= 3 && Math.abs(b - 128) <= 3);
      if (!fill) continue;
      let same = true;
      for (let q = p + 3; q < p + 24 && same; q += 3) same = rgb[q] === r && rgb[q + 1] === g && rgb[q + 2] === b;
      if (same) filled++;
    }
    worst = Math.max(worst, filled / Math.max(1, runs));
  }
  return worst;
}

/**
 * Real footage from Debian packages (scripts/real-footage.sh puts it in test/.footage/, and CI runs that
 * script). Without it a test of real footage cannot run: in CI that is a failure, elsewhere a skip.
 */
export function footage(name: string): string | undefined {
  const path = join(fileURLToPath(new URL('../.footage/', import.meta.url)), name);
  if (existsSync(path)) return path;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
    throw new Error(`real footage ${name} is missing: run scripts/real-footage.sh`);
  }
  return undefined;
}
