import type { FfmpegRunner } from './ffmpeg.js';
import type { Size } from './ffmpeg-args.js';
import { frameDefects, qualityOf, type Defect, type QualityScores, type VideoReference } from './quality.js';
import { isTransition, type JudgedSample } from './select.js';
import { motionAt, readWindows, type WindowFrame } from './window.js';

/** The frame finally chosen for a still. */
export interface RefinedMoment {
  readonly time: number;
  readonly scores: QualityScores;
  readonly defects: readonly Defect[];
  /** 0..1 from the frame-to-frame change around it at full frame rate. */
  readonly stillness: number;
  /** Mean frame-to-frame luma change in the window: how much this shot moves. */
  readonly motion: number;
}

/** A keyframe is often the first frame of a shot (encoders put one at every cut): look just after it. */
export const REFINE_SECONDS = 0.4;
/** Frame-to-frame luma change at which a frame counts as not still at all. */
const STILL_CHANGE = 0.03;

/**
 * Looks at every frame in a short window starting at each candidate and returns, per candidate, the
 * stillest good frame. Candidates come from the keyframe pass, so each window starts at a keyframe and
 * costs only its own length to decode; all windows share one ffmpeg process.
 */
export async function refineMoments(
  ffmpeg: FfmpegRunner,
  file: string,
  candidates: readonly JudgedSample[],
  size: Size,
  source: Size,
  reference: VideoReference,
  signal?: AbortSignal,
): Promise<RefinedMoment[]> {
  const windows = await readWindows(ffmpeg, file, candidates.map((c) => ({ start: c.time, duration: REFINE_SECONDS })), size, source, { signal });
  return candidates.map((candidate, k) => bestInWindow(windows[k] ?? [], reference) ?? fromSample(candidate));
}

/** Pure: the best frame of a window — good, still, not in a fade. Exported for tests. */
export function bestInWindow(frames: readonly WindowFrame[], reference: VideoReference): RefinedMoment | undefined {
  if (frames.length === 0) return undefined;
  const motion = frames.reduce((sum, f) => sum + f.change, 0) / Math.max(1, frames.length - 1);
  let best: RefinedMoment | undefined;
  let bestValue = -Infinity;
  frames.forEach((frame, i) => {
    const scores = qualityOf(frame.features, reference);
    const defects = frameDefects(frame.features, reference);
    // Within a window a fade shows against the window's first frame or the frame before.
    if (isTransition(frame.features, frames[i - 1]?.features, frames[0]?.features)) defects.push('transition');
    const stillness = clamp01(1 - motionAt(frames, i) / STILL_CHANGE);
    const value = merit(scores, stillness) - defects.length;
    if (value > bestValue) {
      bestValue = value;
      best = { time: frame.time, scores, defects, stillness, motion };
    }
  });
  return best;
}

/** What a still is worth before relevance: good, and still (Hecate outputs the stillest frame). */
export function merit(scores: QualityScores, stillness: number): number {
  return scores.quality * (0.6 + 0.4 * stillness);
}

/** The candidate as the keyframe pass saw it, when there is no denser look to be had. */
export function fromSample(s: JudgedSample): RefinedMoment {
  return { time: s.time, scores: s.scores, defects: s.defects, stillness: s.stillness, motion: 1 - s.stillness };
}

/** The better of two refinements of one look: fewer defects first, then merit. */
export function better(a: RefinedMoment, b: RefinedMoment): RefinedMoment {
  if (a.defects.length !== b.defects.length) return a.defects.length < b.defects.length ? a : b;
  return merit(b.scores, b.stillness) > merit(a.scores, a.stillness) ? b : a;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
