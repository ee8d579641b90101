import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Frames decoded earlier (one each from the stills' raw files), at `size` in rgb24: what the subject models
 * are shown. The frames are first copied into one raw file of their own, so that one ffmpeg input reads
 * them all (an input per frame would queue several full-size frames each: 580 MB at 4K).
 */
export async function framesAsRgb(ffmpeg: FfmpegRunner, frames: readonly RawFrames[], size: Size, scratch: string, signal?: AbortSignal): Promise<RgbImage[]> {
  if (frames.length === 0) return [];
  const source = frames[0]!;
  const frameBytes = rawFrameBytes(source);
  const gathered = join(scratch, `subjects-${process.hrtime.bigint()}.raw`);
  const out = await open(gathered, 'w');
  try {
    const buffer = Buffer.alloc(frameBytes);
    for (const f of frames) {
      const input = await open(f.file, 'r');
      try {
        const { bytesRead } = await input.read(buffer, 0, frameBytes, f.first * frameBytes);
        if (bytesRead !== frameBytes) throw new AppError('internal', `frame ${f.first} of ${f.file} is missing`);
      } finally {
        await input.close();
      }
      await out.write(buffer, 0, frameBytes);
    }
  } finally {
    await out.close();
  }
  try {
    const { stdout } = await ffmpeg.ffmpeg(rgbFramesArgs({ ...source, file: gathered, first: 0, count: frames.length }, size), { signal, timeoutMs: 300_000 });
    const bytes = size.width * size.height * 3;
    if (stdout.length < frames.length * bytes) throw new AppError('internal', `ffmpeg gave ${stdout.length} bytes for ${frames.length} frames of ${size.width}x${size.height}`);
    return frames.map((_, k) => ({ ...size, data: new Uint8Array(stdout.subarray(k * bytes, (k + 1) * bytes)) }));
  } finally {
    await rm(gathered, { force: true });
  }
}

/** Bytes of one frame in a raw file. */
function rawFrameBytes(frames: RawFrames): number {
  const { width, height } = frames.size;
  return frames.pixelFormat === 'rgb24' ? width * height * 3 : width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

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
