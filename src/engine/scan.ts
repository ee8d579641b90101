import { AppError, toAppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { scanArgs, type ScanMode, type Size } from './ffmpeg-args.js';
import { singleTimes, streamFrames } from './frame-stream.js';
import type { VideoInfo } from './probe.js';
import { looksConcealed } from './quality.js';
import type { Sample } from './select.js';

export interface ScanResult {
  readonly samples: Sample[];
  /** Times of the frames looked at that could not be decoded cleanly. */
  readonly damaged: readonly number[];
  /** Lines in which the decoder or demuxer reported broken data. */
  readonly reports: number;
  /** Where the video data stops short of the stated duration, when it does in a damaged file. */
  readonly stopsAt?: number | undefined;
}

/** The candidate pass: small frames through a pipe, features as they arrive, nothing else kept. */
export async function scan(ffmpeg: FfmpegRunner, info: VideoInfo, mode: ScanMode, size: Size, signal: AbortSignal | undefined, onTime: (t: number) => void): Promise<ScanResult> {
  const features: Sample['features'][] = [];
  let result;
  try {
    result = await streamFrames(ffmpeg, scanArgs(info.file, mode, size, info.display), size, {
      signal,
      timeoutMs: scanTimeout(info.duration),
      onFrame: ({ features: f }) => features.push(f),
      onTime,
    });
  } catch (error) {
    const app = toAppError(error);
    if (app.kind === 'aborted' || app.kind === 'unavailable' || features.length > 0) throw app;
    throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (${app.message.replace(/^ffmpeg failed: /, '')})`, { cause: app });
  }
  if (features.length === 0) throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (no frame could be read)`);
  const { times: raw, corrupt } = singleTimes(result);
  const times = fillTimes(raw, info.duration);
  // Decoders may hand keyframes over out of order (an open GOP decoded keyframes only): judge in time order.
  const samples = features
    .map((f, i): Sample => ({ time: times[i]!, features: f, corrupt: corrupt[i]! || looksConcealed(f, info.codec, result.damageReports > 0) }))
    .sort((a, b) => a.time - b.time);
  const broken = samples.filter((s) => s.corrupt === true);
  const stops = result.stderrTail.some((line) => /partial file/.test(line));
  const last = samples.at(-1)!.time;
  const of = Number.isFinite(info.duration) ? ` of ${info.duration.toFixed(1)} s` : '';
  // Data that simply stops, with nothing broken before, is an upload that did not finish: refused, as it
  // always was. Data that is broken in places (the decoder complained) is a damaged file, and its intact
  // parts still make covers.
  if (stops && broken.length === 0 && result.damageReports === 0) {
    throw new AppError('invalid_media', `${info.file}: the file is truncated (video data stops near ${last.toFixed(1)} s${of})`);
  }
  if (broken.length === samples.length) {
    throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (every frame read was damaged)`);
  }
  return { samples, damaged: broken.map((s) => s.time), reports: result.damageReports, stopsAt: stops ? last : undefined };
}

/** The container's duration, unless frames were found past it (MPEG program streams often misstate it). */
export function videoDuration(info: VideoInfo, samples: readonly Sample[]): number {
  const seen = samples.at(-1)?.time ?? 0;
  const frame = Number.isFinite(info.fps) && info.fps > 0 ? 1 / info.fps : 0.04;
  return Number.isFinite(info.duration) && info.duration >= seen ? info.duration : seen + frame;
}

/** Timestamps ffmpeg could not give (raw streams) are spread evenly between their neighbours. */
function fillTimes(times: readonly number[], duration: number): number[] {
  const step = Number.isFinite(duration) && times.length > 0 ? duration / times.length : 0.04;
  return times.map((t, i) => (Number.isFinite(t) ? Math.max(0, t) : i * step));
}

/**
 * Too few keyframes to choose from (one IDR, intra refresh, short clips), or keyframes that leave much of
 * the video unseen (a decoder that loses the keyframes of an open GOP when it gets only those): sample at
 * a fixed rate instead, which decodes everything but is the only way to see such a stream.
 */
export function needsTimedSampling(keyframeTimes: readonly number[], duration: number): boolean {
  // Twelve pictures to choose from, or ten a second in a clip too short for twelve.
  const wanted = Number.isFinite(duration) ? Math.min(12, Math.ceil(duration / 0.1)) : 12;
  if (keyframeTimes.length < wanted) return true;
  if (!Number.isFinite(duration)) return false;
  const edges = [0, ...keyframeTimes, duration];
  let gap = 0;
  for (let i = 1; i < edges.length; i++) gap = Math.max(gap, edges[i]! - edges[i - 1]!);
  return gap > Math.max(MAX_UNSEEN_SECONDS, duration * MAX_UNSEEN_SHARE);
}
/** The longest stretch without a keyframe that the keyframe pass accepts: ~a long GOP, or a quarter of the video. */
const MAX_UNSEEN_SECONDS = 20;
const MAX_UNSEEN_SHARE = 0.25;

/** About a hundred frames across the video, between 0.2 and 10 a second. */
export function timedRate(duration: number): number {
  if (!Number.isFinite(duration) || duration <= 0) return 2;
  return Math.min(10, Math.max(0.2, 100 / duration));
}

function scanTimeout(duration: number): number {
  // Generous: a full decode of 4K runs at a few times real time on one core.
  return Number.isFinite(duration) ? Math.max(120_000, duration * 4_000) : 6 * 3600_000;
}
