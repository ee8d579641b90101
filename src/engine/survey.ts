import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, type ScanMode, type Size } from './ffmpeg-args.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './media-limits.js';
import { probeVideo, type VideoInfo } from './probe.js';
import type { VideoReference } from './quality.js';
import { needsTimedSampling, scan, timedRate, videoDuration, type ScanResult } from './scan.js';
import { judgeSamples, type JudgedSample } from './select.js';
import type { LookContext } from './window.js';
import { STAGE_LABELS } from './stages.js';

/** Frames are analysed at most this size: ~1.3 ms of TypeScript per frame, and decoding dominates. */
const ANALYSIS_BOX = 320;
/** Containers with no index of frames: a seek lands by guesswork, and the first timestamps after it too. */
const INDEXLESS = /^(mpeg|mpegts|mpegvideo|h264|hevc|m4v|cavsvideo|vc1|dirac|h261|h263)$/;
const PREROLL_SECONDS = 1;

/** What the first two passes learn of a video: everything a choice of frames is judged against. */
export interface Survey {
  readonly info: VideoInfo;
  /** The analysis size of frames. */
  readonly size: Size;
  /** Stills are teed, ranked and encoded at this size: the display size, scaled down past the limit. */
  readonly cover: Size;
  readonly sampling: ScanMode;
  readonly scanned: ScanResult;
  readonly duration: number;
  readonly judged: JudgedSample[];
  readonly reference: VideoReference;
  /** How look passes reach into this file. */
  readonly video: LookContext;
}

/**
 * Probe, then one keyframe pass (timed sampling when keyframes are too few), and every sample judged
 * against the video's own reference. A video past `limits` is refused before anything is decoded.
 */
export async function surveyVideo(
  ffmpeg: FfmpegRunner, file: string, limits: MediaLimits = DEFAULT_MEDIA_LIMITS, signal?: AbortSignal, progress: (fraction: number, stage: string) => void = () => {},
): Promise<Survey> {
  progress(0, STAGE_LABELS.probe);
  const info = await probeVideo(ffmpeg, file, signal, limits);
  const size = fitInside(info.display, ANALYSIS_BOX, ANALYSIS_BOX);
  const cover = fitInside(info.display, limits.maxCoverSide, limits.maxCoverSide);
  let sampling: ScanMode = { kind: 'keyframes' };
  let scanned = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), STAGE_LABELS.scan));
  // Where seeks can land, for the look pass (a keyframe the decoder lost only makes a window longer).
  const keyframes = scanned.samples.map((s) => s.time);
  if (needsTimedSampling(keyframes, info.duration)) {
    sampling = { kind: 'timed', fps: timedRate(info.duration) };
    scanned = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), STAGE_LABELS.sample));
  }
  const duration = videoDuration(info, scanned.samples);
  const { judged, reference } = judgeSamples(scanned.samples, duration);
  const video = { file, codec: info.codec, keyframes, preroll: INDEXLESS.test(info.container) ? PREROLL_SECONDS : 0, start: info.start };
  return { info, size, cover, sampling, scanned, duration, judged, reference, video };
}

function fraction(t: number, duration: number): number {
  return Number.isFinite(duration) && duration > 0 ? Math.min(1, Math.max(0, t / duration)) : 0;
}
