import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { gifArgs, stillsArgs, type GifFromFrames, type Size, type StillShot } from './ffmpeg-args.js';
import { batchSize } from './window.js';

/** Renders full-resolution PNGs at the display size, several per ffmpeg process; returns their sizes in bytes. */
export async function renderStills(ffmpeg: FfmpegRunner, file: string, shots: readonly StillShot[], size: Size, scale: boolean, signal?: AbortSignal): Promise<number[]> {
  const perBatch = batchSize(size);
  for (let i = 0; i < shots.length; i += perBatch) {
    await ffmpeg.ffmpeg(stillsArgs(file, shots.slice(i, i + perBatch), size, scale), { signal, timeoutMs: 300_000 });
  }
  return Promise.all(shots.map((s) => nonEmpty(s.out, `no frame at ${s.time.toFixed(3)} s`)));
}

/** Encodes a GIF from frames decoded earlier (see chooseGifSegments): no second decode of the video. */
export async function renderGif(ffmpeg: FfmpegRunner, spec: GifFromFrames, out: string, signal?: AbortSignal): Promise<number> {
  await ffmpeg.ffmpeg(gifArgs(spec, out), { signal, timeoutMs: 300_000 });
  return nonEmpty(out, `no frames for the preview (${spec.count} asked from ${spec.raw})`);
}

async function nonEmpty(out: string, what: string): Promise<number> {
  const bytes = await stat(out).then((s) => s.size, () => 0);
  if (bytes === 0) throw new AppError('invalid_media', `ffmpeg wrote nothing: ${what}`);
  return bytes;
}
