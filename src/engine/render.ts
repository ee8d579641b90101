import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { renderArgs, rgbFramesArgs, type RawFrames, type RenderJob, type Size } from './ffmpeg-args.js';
import type { RgbImage } from './subjects/port.js';
import { batchSize } from './window.js';

/**
 * Encodes stills and GIFs from frames decoded earlier (see windowsArgs' tee), several per process within the
 * same pixel budget as decoding; returns each file's size in bytes.
 */
export async function renderFromFrames(ffmpeg: FfmpegRunner, jobs: readonly RenderJob[], display: Size, signal?: AbortSignal): Promise<number[]> {
  // A GIF's palette pass holds its whole clip: it gets a process of its own, so that no batch of full-size
  // stills has to share the memory (measured: GIF + 2 PNGs at 1080p 155 MB, 3 PNGs 98 MB).
  const batches = [
    ...jobs.filter((j) => j.kind === 'gif').map((j) => [j]),
    ...chunk(jobs.filter((j) => j.kind === 'png'), batchSize(display, 'encode')),
  ];
  for (const batch of batches) await ffmpeg.ffmpeg(renderArgs(batch), { signal, timeoutMs: 300_000 });
  return Promise.all(jobs.map((j) => nonEmpty(j.out, `frame ${j.frames.first} of ${j.frames.file}`)));
}

/** Frames decoded earlier, at `size` in rgb24: what the subject models are shown. */
export async function framesAsRgb(ffmpeg: FfmpegRunner, frames: readonly RawFrames[], size: Size, signal?: AbortSignal): Promise<RgbImage[]> {
  const bytes = size.width * size.height * 3;
  const images: RgbImage[] = [];
  for (const batch of chunk(frames, RGB_BATCH)) {
    const { stdout } = await ffmpeg.ffmpeg(rgbFramesArgs(batch, size), { signal, timeoutMs: 300_000 });
    if (stdout.length < batch.length * bytes) throw new AppError('internal', `ffmpeg gave ${stdout.length} bytes for ${batch.length} frames of ${size.width}x${size.height}`);
    batch.forEach((_, k) => images.push({ ...size, data: new Uint8Array(stdout.subarray(k * bytes, (k + 1) * bytes)) }));
  }
  return images;
}
/** Frames per process: a rawvideo input holds one frame, so a dozen 1080p frames is ~40 MB. */
const RGB_BATCH = 16;

async function nonEmpty(out: string, what: string): Promise<number> {
  const bytes = await stat(out).then((s) => s.size, () => 0);
  if (bytes === 0) throw new AppError('invalid_media', `ffmpeg wrote nothing: ${what}`);
  return bytes;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
