import type { FfmpegRunner } from './ffmpeg.js';
import { showinfoIndices, windowsArgs, type Size, type TimeWindow } from './ffmpeg-args.js';
import { lumaDifference, type FrameFeatures } from './features.js';
import { streamFrames } from './frame-stream.js';

/** One frame of a dense window, with how much changed since the frame before it. */
export interface WindowFrame {
  readonly time: number;
  readonly features: FrameFeatures;
  /** Mean luma difference to the previous frame of the same window (0 for the first), 0..1. */
  readonly change: number;
}

/**
 * A look pass holds one decoder per window: at most this many pixels of source frame at a time — two
 * 1080p decoders, one at 4K. Measured at 1080p: three windows peaked at 151 MB, two at ~105 MB; the whole
 * run must stay under 250 MB with node's ~85 MB, and each extra process costs ~0.25 CPU-s.
 */
const DECODE_PIXELS = 2 * 1920 * 1088;
/** Encoding PNGs from decoded frames needs less: three 1080p stills per process peaked at 98 MB. */
const ENCODE_PIXELS = 3 * 1920 * 1088;

export function batchSize(source: Size, budget: 'decode' | 'encode' = 'decode'): number {
  return Math.max(1, Math.floor((budget === 'decode' ? DECODE_PIXELS : ENCODE_PIXELS) / (source.width * source.height)));
}

/**
 * Decodes every frame (or `fps` frames a second) of each window at analysis size, several windows per
 * ffmpeg process. Only the current and previous luma planes are held, whatever the windows' length.
 */
/**
 * Decodes every frame (or `fps` frames a second) of each window at analysis size, several windows per
 * ffmpeg process, writing each window's tee file on the way. Only the current and previous luma planes are
 * held, whatever the windows' length.
 */
export async function readWindows(ffmpeg: FfmpegRunner, file: string, windows: readonly TimeWindow[], size: Size, source: Size, signal?: AbortSignal): Promise<WindowFrame[][]> {
  const result: WindowFrame[][] = [];
  const perBatch = batchSize(source);
  for (let i = 0; i < windows.length; i += perBatch) {
    result.push(...(await readBatch(ffmpeg, file, windows.slice(i, i + perBatch), size, signal)));
  }
  return result;
}

async function readBatch(ffmpeg: FfmpegRunner, file: string, windows: readonly TimeWindow[], size: Size, signal?: AbortSignal): Promise<WindowFrame[][]> {
  if (windows.length === 0) return [];
  const previous = new Uint8Array(size.width * size.height);
  const collected: { features: FrameFeatures; change: number }[] = [];
  const { timesByInstance } = await streamFrames(ffmpeg, windowsArgs(file, windows, size), size, {
    signal,
    timeoutMs: 300_000,
    onFrame: ({ index, features, luma }) => {
      collected.push({ features, change: index === 0 ? 0 : lumaDifference(previous, luma) });
      previous.set(luma);
    },
  });
  // The concat filter emits window 0's frames, then window 1's…; each window's showinfo counted its own.
  const indices = showinfoIndices(windows);
  let offset = 0;
  return windows.map((window, k) => {
    const times = timesByInstance.get(indices[k]!) ?? [];
    const frames = collected.slice(offset, offset + times.length).map((c, i) => ({
      features: c.features,
      change: i === 0 ? 0 : c.change,
      time: window.start + (Number.isFinite(times[i]) ? times[i]! : (i * window.duration) / Math.max(1, times.length)),
    }));
    offset += times.length;
    return frames;
  });
}

/** Motion around frame i: the mean change to its neighbours within the window. */
export function motionAt(frames: readonly WindowFrame[], i: number): number {
  const sides: number[] = [];
  if (i > 0) sides.push(frames[i]!.change);
  if (i + 1 < frames.length) sides.push(frames[i + 1]!.change);
  return sides.length === 0 ? 0 : sides.reduce((a, b) => a + b, 0) / sides.length;
}
