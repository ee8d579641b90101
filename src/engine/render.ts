import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { gifArgs, stillsArgs, type GifSpec, type Size, type StillShot } from './ffmpeg-args.js';
import { batchSize } from './window.js';

/**
 * Seeks land on the first frame at or after the requested time; asking for a millisecond earlier keeps
 * rounding in the printed timestamps from skipping to the next frame.
 */
const SEEK_SLACK = 0.001;

/** Renders full-resolution PNGs at the display size, several per ffmpeg process; returns their sizes in bytes. */
export async function renderStills(ffmpeg: FfmpegRunner, file: string, shots: readonly StillShot[], size: Size, signal?: AbortSignal): Promise<number[]> {
  const perBatch = batchSize(size);
  for (let i = 0; i < shots.length; i += perBatch) {
    const batch = shots.slice(i, i + perBatch).map((s) => ({ ...s, time: Math.max(0, s.time - SEEK_SLACK) }));
    await ffmpeg.ffmpeg(stillsArgs(file, batch, size), { signal, timeoutMs: 300_000 });
  }
  return Promise.all(shots.map((s) => nonEmpty(s.out, `no frame at ${s.time.toFixed(3)} s`)));
}

export async function renderGif(ffmpeg: FfmpegRunner, file: string, spec: GifSpec, out: string, signal?: AbortSignal): Promise<number> {
  await ffmpeg.ffmpeg(gifArgs(file, { ...spec, start: Math.max(0, spec.start - SEEK_SLACK) }, out), { signal, timeoutMs: 300_000 });
  return nonEmpty(out, `no frames in ${spec.start.toFixed(3)}–${(spec.start + spec.duration).toFixed(3)} s`);
}

async function nonEmpty(out: string, what: string): Promise<number> {
  const bytes = await stat(out).then((s) => s.size, () => 0);
  if (bytes === 0) throw new AppError('invalid_media', `ffmpeg wrote nothing: ${what}`);
  return bytes;
}
