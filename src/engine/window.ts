import type { FfmpegRunner } from './ffmpeg.js';
import { isHuge, showinfoIndices, windowOrigin, windowsArgs, type LookMode, type Size, type TimeWindow } from './ffmpeg-args.js';
import { lumaDifference, type FrameFeatures } from './features.js';
import { streamFrames } from './frame-stream.js';
import { looksConcealed } from './quality.js';

/** One frame of a dense window, with how much changed since the frame before it. */
export interface WindowFrame {
  readonly time: number;
  readonly features: FrameFeatures;
  /** Mean luma difference to the previous frame of the same window (0 for the first), 0..1. */
  readonly change: number;
  /** The decoder reported this frame as corrupt, or it looks concealed (see looksConcealed). */
  readonly corrupt: boolean;
}

/**
 * A look pass holds one decoder per window: at most this many pixels of source frame at a time — four
 * 1080p decoders, one at 4K. Measured at 1080p: four windows peaked at ~180 MB, three at 151, two at ~105;
 * the whole run must stay under 300 MB with node's ~85 MB (no model process runs during a look pass), and
 * each extra process costs ~0.25 CPU-s (four a process: 10 min of 10 s GOP analyzed with subjects in 11.0
 * CPU-s instead of 11.9, peak 263 MB).
 */
const DECODE_PIXELS = 4 * 1920 * 1088;
/** Encoding PNGs from decoded frames needs less: three 1080p stills per process peaked at 98 MB. */
const ENCODE_PIXELS = 3 * 1920 * 1088;

export function batchSize(source: Size, budget: 'decode' | 'encode' = 'decode'): number {
  return Math.max(1, Math.floor((budget === 'decode' ? DECODE_PIXELS : ENCODE_PIXELS) / (source.width * source.height)));
}

/** How one read of windows decodes (see LookMode), and what it needs to judge and time the frames. */
export interface ReadOptions {
  readonly mode?: LookMode | undefined;
  /** The codec, for the concealment check (see looksConcealed). */
  readonly codec?: string | undefined;
  /** The container's start time (seeking windows keep file timestamps). */
  readonly fileStart?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** The source's display size: a huge one is scaled down before its frames are split (see prescaleFor). */
  readonly source?: Size | undefined;
}

/**
 * Decodes every frame (or `fps` frames a second) of each window at analysis size, several windows per
 * ffmpeg process, writing each window's tee file on the way. Only the current and previous luma planes are
 * held, whatever the windows' length. Sequential mode decodes from the start once for all its windows.
 */
export async function readWindows(
  ffmpeg: FfmpegRunner, file: string, windows: readonly TimeWindow[], size: Size, source: Size, options: ReadOptions = {},
): Promise<WindowFrame[][]> {
  const mode = options.mode ?? 'seek';
  if (mode === 'sequential') {
    // One decoder whatever the number of windows. In time order, each window's small frames reach the
    // concat filter when it wants them, instead of queueing behind an earlier window.
    const order = windows.map((_, k) => k).sort((a, b) => windows[a]!.start - windows[b]!.start);
    // A huge source: each window's tee holds a few full-size frames in ffmpeg (~17 MB a window at
    // 1920×1920), so a few windows a pass, each pass decoding from the start again.
    const perPass = isHuge(source) ? HUGE_WINDOWS_PER_PASS : order.length;
    const sorted: WindowFrame[][] = [];
    for (let i = 0; i < order.length; i += perPass) {
      sorted.push(...(await readBatch(ffmpeg, file, order.slice(i, i + perPass).map((k) => windows[k]!), size, mode, { ...options, source })));
    }
    const result: WindowFrame[][] = [];
    order.forEach((k, i) => (result[k] = sorted[i]!));
    return result;
  }
  const result: WindowFrame[][] = [];
  const perBatch = batchSize(source);
  for (let i = 0; i < windows.length; i += perBatch) {
    result.push(...(await readBatch(ffmpeg, file, windows.slice(i, i + perBatch), size, mode, { ...options, source })));
  }
  return result;
}

/** Measured at 4096×4096: the decoder ~130 MB, each window ~17 MB more; three keep ffmpeg near 180 MB. */
const HUGE_WINDOWS_PER_PASS = 3;

/** What a look pass needs to know of the video beyond its file. */
export interface LookContext {
  readonly file: string;
  readonly codec: string;
  /** Where seeks can land: the keyframes the keyframe pass saw. */
  readonly keyframes: readonly number[];
  /** Seconds decoded before each seeking window and thrown away (see TimeWindow.preroll). */
  readonly preroll: number;
  /** The container's start time: timestamps of seeking windows count from it (see windowsArgs). */
  readonly start: number;
}

/**
 * Every window decoded so that its frames are the pictures the video shows: first by seeking (cheap);
 * then, for each window that came back empty, late, or with frames the decoder flagged or that look
 * concealed (a keyframe that is not a clean entry point: open GOP, recovery point, a reference lost to
 * damage), once more decoded from the start of the file. What is still damaged after that is damaged in
 * the file, and reported through `onDamage`.
 */
export async function lookAt(
  ffmpeg: FfmpegRunner, video: LookContext, windows: readonly TimeWindow[], size: Size, source: Size, signal?: AbortSignal, onDamage?: (time: number) => void,
): Promise<WindowFrame[][]> {
  if (windows.length === 0) return [];
  const { file, codec, keyframes, preroll, start } = video;
  const led = windows.map((w) => {
    const from = Math.max(0, w.start - preroll);
    return { ...w, preroll, lead: from - keyframeBefore(keyframes, from) + KEYFRAME_SLACK };
  });
  if (sequentialIsCheaper(led, source)) {
    // A short clip, or keyframes so far apart that the seeks would decode most of it anyway: one pass.
    const frames = await readWindows(ffmpeg, file, windows, size, source, { mode: 'sequential', codec, signal });
    windows.forEach((_, k) => { for (const f of frames[k]!) if (f.corrupt) onDamage?.(f.time); });
    return frames;
  }
  const frames = await readWindows(ffmpeg, file, led, size, source, { mode: 'seek', codec, fileStart: start, signal });
  const suspect = windows.flatMap((w, k) => (isSuspect(w, frames[k]!) ? [k] : []));
  if (suspect.length === 0) return frames;
  const again = await readWindows(ffmpeg, file, suspect.map((k) => windows[k]!), size, source, { mode: 'sequential', codec, signal });
  suspect.forEach((k, i) => (frames[k] = again[i]!));
  // Damage that decoding from the start still shows is in the file itself.
  for (const k of suspect) for (const f of frames[k]!) if (f.corrupt) onDamage?.(f.time);
  return frames;
}

/**
 * Seeking decodes each window from its keyframe, in processes of batchSize windows (each start costs about
 * a quarter of a CPU-second here, a second of decoding at 1080p); decoding from the start decodes up to the
 * last window once. Compared in seconds of video decoded.
 */
function sequentialIsCheaper(windows: readonly TimeWindow[], source: Size): boolean {
  const seeking = windows.reduce((sum, w) => sum + (w.lead ?? 0) + (w.preroll ?? 0) + w.duration, 0) + PROCESS_SECONDS * Math.ceil(windows.length / batchSize(source));
  // A huge source reads a few windows a pass (see readWindows), each pass decoding from the start.
  const ends = windows.map((w) => w.start + w.duration).sort((a, b) => a - b);
  const perPass = isHuge(source) ? HUGE_WINDOWS_PER_PASS : ends.length;
  let sequential = 0;
  for (let i = perPass - 1; i < ends.length + perPass - 1; i += perPass) sequential += ends[Math.min(i, ends.length - 1)]! + PROCESS_SECONDS;
  return sequential <= seeking;
}
const PROCESS_SECONDS = 1;

/** Allowance for keyframes a little off the times the keyframe pass printed. */
const KEYFRAME_SLACK = 0.05;

/** The latest known keyframe at or before `time` (0, the start, when none is known). */
function keyframeBefore(keyframes: readonly number[], time: number): number {
  let best = 0;
  for (const k of keyframes) if (k <= time + 1e-4 && k > best) best = k;
  return best;
}

/**
 * A window to decode again from the start: nothing came back, the decoder flagged a frame, or the first
 * frame came late (a decoder that waits for a recovery point after the seek skips what comes before it).
 */
function isSuspect(window: TimeWindow, frames: readonly WindowFrame[]): boolean {
  return frames.length === 0 || frames.some((f) => f.corrupt) || frames[0]!.time - window.start > LATE_START;
}
/** Longer than any real frame interval at the frame rates covers come from. */
const LATE_START = 0.25;

/** For a huge source: the largest size any output of these windows needs (see isHuge). */
function prescaleFor(source: Size | undefined, windows: readonly TimeWindow[], size: Size): Size | undefined {
  if (source === undefined || !isHuge(source)) return undefined;
  return [size, ...windows.flatMap((w) => (w.tee === undefined ? [] : [w.tee.size]))].reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

async function readBatch(ffmpeg: FfmpegRunner, file: string, windows: readonly TimeWindow[], size: Size, mode: LookMode, options: ReadOptions): Promise<WindowFrame[][]> {
  const { codec = '', fileStart = 0, signal } = options;
  if (windows.length === 0) return [];
  const previous = new Uint8Array(size.width * size.height);
  const collected: { features: FrameFeatures; change: number }[] = [];
  const prescale = prescaleFor(options.source, windows, size);
  const { timesByInstance, corruptByInstance, damageReports } = await streamFrames(ffmpeg, windowsArgs(file, windows, size, mode, fileStart, prescale), size, {
    signal,
    timeoutMs: 300_000,
    onFrame: ({ index, features, luma }) => {
      collected.push({ features, change: index === 0 ? 0 : lumaDifference(previous, luma) });
      previous.set(luma);
    },
  });
  // The concat filter emits window 0's frames, then window 1's…; each window's showinfo counted its own.
  const indices = showinfoIndices(windows, mode, prescale);
  let offset = 0;
  return windows.map((window, k) => {
    const times = timesByInstance.get(indices[k]!) ?? [];
    const corrupt = corruptByInstance.get(indices[k]!);
    const frames = collected.slice(offset, offset + times.length).map((c, i) => ({
      features: c.features,
      change: i === 0 ? 0 : c.change,
      corrupt: corrupt?.has(i) === true || looksConcealed(c.features, codec, damageReports > 0),
      time: Number.isFinite(times[i]) ? windowOrigin(mode, fileStart) + times[i]! : window.start + (i * window.duration) / Math.max(1, times.length),
    }));
    offset += times.length;
    // A decoder that waits for a recovery point (intra refresh) starts output late, past the window's end:
    // those frames are not this window's. They come last, so the indices of the rest in the tee stand.
    return frames.filter((f) => f.time < window.start + window.duration + 0.001);
  });
}

/** Motion around frame i: the mean change to its neighbours within the window. */
export function motionAt(frames: readonly WindowFrame[], i: number): number {
  const sides: number[] = [];
  if (i > 0) sides.push(frames[i]!.change);
  if (i + 1 < frames.length) sides.push(frames[i + 1]!.change);
  return sides.length === 0 ? 0 : sides.reduce((a, b) => a + b, 0) / sides.length;
}
