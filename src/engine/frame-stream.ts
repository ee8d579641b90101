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
  /**
   * Per showinfo instance, the indices of frames the decoder reported as corrupt (concealed errors,
   * missing references). ffmpeg logs "corrupt decoded frame" as it takes the frame from the decoder, before
   * the frame reaches the filters, so the report belongs to the next frame a showinfo prints. A report for a
   * frame the graph then drops (before a window's start) lands on the window's first frame: erring on the
   * side of distrust, since what follows a damaged frame usually references it.
   */
  readonly corruptByInstance: ReadonlyMap<number, ReadonlySet<number>>;
  /** Lines in which the decoder or demuxer said the data is damaged (beyond the per-frame reports). */
  readonly damageReports: number;
  readonly stderrTail: readonly string[];
}

export interface StreamOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  readonly onFrame: (frame: StreamedFrame) => void;
  /** Called with the timestamp of each frame as ffmpeg reports it (for progress). */
  readonly onTime?: ((seconds: number) => void) | undefined;
}

const CORRUPT = /corrupt decoded frame/;
/** What decoders and demuxers log when data is missing or broken (H.264, MPEG-1/2/4, VPx, MJPEG, containers). */
const DAMAGE = /error while decoding|concealing \d+|Invalid NAL|corrupt|missing picture|ac-tex damaged|Error at MB|invalid (?:mb|block|vlc)|illegal (?:mb|dc|ac)|slice mismatch|marker does not match|Packet corrupt|decode_slice_header error|no frame!|Frame num gap|mmco: unref short/i;
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
  const corruptByInstance = new Map<number, Set<number>>();
  let corruptPending = false;
  let damageReports = 0;
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
    if (match === null) {
      if (CORRUPT.test(line)) corruptPending = true;
      if (DAMAGE.test(line)) damageReports++;
      return;
    }
    const instance = Number(match[1]);
    const n = Number(match[2]);
    if (corruptPending) {
      corruptPending = false;
      let corrupt = corruptByInstance.get(instance);
      if (corrupt === undefined) corruptByInstance.set(instance, (corrupt = new Set()));
      corrupt.add(n);
    }
    const time = Number(match[4]);
    let times = timesByInstance.get(instance);
    if (times === undefined) timesByInstance.set(instance, (times = []));
    times[n] = Number.isFinite(time) ? time : NaN;
    if (Number.isFinite(time)) options.onTime?.(time);
  };

  const { stderrTail } = await ffmpeg.ffmpeg(args, { signal: options.signal, timeoutMs: options.timeoutMs, onStdout, onStderrLine });
  for (const times of timesByInstance.values()) for (let i = 0; i < times.length; i++) if (times[i] === undefined) times[i] = NaN;
  return { frames: index, timesByInstance, corruptByInstance, damageReports, stderrTail };
}

/** The times of a single-showinfo pass, one per frame (NaN where missing), and which frames were corrupt. */
export function singleTimes(result: StreamResult): { times: number[]; corrupt: boolean[] } {
  const [[instance, times] = [0, []]] = [...result.timesByInstance.entries()];
  const corrupt = result.corruptByInstance.get(instance);
  return {
    times: Array.from({ length: result.frames }, (_, i) => times[i] ?? NaN),
    corrupt: Array.from({ length: result.frames }, (_, i) => corrupt?.has(i) === true),
  };
}
