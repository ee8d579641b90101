import type { FfmpegRunner } from './ffmpeg.js';
import type { Size } from './ffmpeg-args.js';
import { FeatureExtractor, type FrameFeatures } from './features.js';

/** One decoded frame as handed to a consumer: valid only during the callback (its buffers are reused). */
export interface StreamedFrame {
  readonly index: number;
  readonly features: FrameFeatures;
  /** Luma plane of this frame (width × height), reused for the next frame. */
  readonly luma: Uint8Array;
}

export interface StreamResult {
  /** Number of frames handed to onFrame. */
  readonly frames: number;
  /**
   * Per showinfo instance (the N of "Parsed_showinfo_N"), the presentation time of each frame it saw,
   * seconds, NaN where ffmpeg gave none. A plain pass has one instance; batched windows have one each.
   */
  readonly timesByInstance: ReadonlyMap<number, number[]>;
  readonly stderrTail: readonly string[];
}

export interface StreamOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  readonly onFrame: (frame: StreamedFrame) => void;
  /** Called with the timestamp of each frame as ffmpeg reports it (for progress). */
  readonly onTime?: ((seconds: number) => void) | undefined;
}

const SHOWINFO = /\[Parsed_showinfo_(\d+) @ [^\]]*\]\s*n:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:(\S+)/;

/**
 * Runs an ffmpeg command that writes rgb24 frames of `size` to stdout and a showinfo line per frame to
 * stderr, and hands each frame to `onFrame` as soon as its last byte arrives. One frame buffer is reused:
 * memory does not depend on how many frames there are. Features do not need the timestamp, so frames and
 * showinfo lines (two pipes, no ordering between them) are paired by index at the end.
 */
export async function streamFrames(ffmpeg: FfmpegRunner, args: readonly string[], size: Size, options: StreamOptions): Promise<StreamResult> {
  const extractor = new FeatureExtractor(size.width, size.height);
  const frame = new Uint8Array(extractor.frameBytes);
  const timesByInstance = new Map<number, number[]>();
  let filled = 0;
  let index = 0;

  const onStdout = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frame.length - filled, chunk.length - offset);
      frame.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === frame.length) {
        const features = extractor.extract(frame);
        options.onFrame({ index, features, luma: extractor.luma });
        index++;
        filled = 0;
      }
    }
  };
  const onStderrLine = (line: string): void => {
    const match = SHOWINFO.exec(line);
    if (match === null) return;
    const instance = Number(match[1]);
    const n = Number(match[2]);
    const time = Number(match[4]);
    let times = timesByInstance.get(instance);
    if (times === undefined) timesByInstance.set(instance, (times = []));
    times[n] = Number.isFinite(time) ? time : NaN;
    if (Number.isFinite(time)) options.onTime?.(time);
  };

  const { stderrTail } = await ffmpeg.ffmpeg(args, { signal: options.signal, timeoutMs: options.timeoutMs, onStdout, onStderrLine });
  for (const times of timesByInstance.values()) for (let i = 0; i < times.length; i++) if (times[i] === undefined) times[i] = NaN;
  return { frames: index, timesByInstance, stderrTail };
}

/** The times of a single-showinfo pass, one per frame (NaN where missing). */
export function singleTimes(result: StreamResult): number[] {
  const [times = []] = [...result.timesByInstance.values()];
  return Array.from({ length: result.frames }, (_, i) => times[i] ?? NaN);
}
