import type { Size, TimeWindow } from './ffmpeg-args.js';
import type { FrameFeatures } from './features.js';
import { frameDefects, qualityOf, type Defect, type QualityScores, type VideoReference } from './quality.js';
import { isTransition, type JudgedSample } from './select.js';
import { motionAt, type WindowFrame } from './window.js';

/** The frame finally chosen for a still. */
export interface RefinedMoment {
  readonly time: number;
  /** Where the chosen frame already sits decoded at full size. */
  readonly frame: { readonly file: string; readonly index: number };
  readonly scores: QualityScores;
  readonly defects: readonly Defect[];
  /** 0..1 from the frame-to-frame change around it at full frame rate. */
  readonly stillness: number;
  /** Mean frame-to-frame luma change in the window: how much this shot moves. */
  readonly motion: number;
  /** The chosen frame's features: stills are checked against each other after refining, not before. */
  readonly features: FrameFeatures;
}

/** A keyframe is often the first frame of a shot (encoders put one at every cut): look just after it. */
export const REFINE_SECONDS = 0.32;
/** Frame-to-frame luma change at which a frame counts as not still at all. */
const STILL_CHANGE = 0.03;

/**
 * The window that refines a candidate, teeing its frames at full size into `file` for the still. It ends
 * before the next moment picked (`until`): two windows that overlapped would both settle on the stillest
 * frame they share, and two stills would be one picture.
 */
export function refineWindow(candidate: JudgedSample, display: Size, file: string, until = Infinity): TimeWindow {
  const duration = Math.max(0.001, Math.min(REFINE_SECONDS, until - candidate.time - 0.001));
  return { start: candidate.time, duration, tee: { size: display, file, pixelFormat: 'yuv420p' } };
}

/** For each candidate, the time of the next later one (where its refine window must end). */
export function nextMoments(candidates: readonly JudgedSample[], others: readonly JudgedSample[] = []): number[] {
  const times = [...candidates, ...others].map((c) => c.time);
  return candidates.map((c) => Math.min(Infinity, ...times.filter((t) => t > c.time + 1e-6)));
}

/**
 * Picks the best frame of each decoded refine window (see refineWindow). A window that held no frame, or
 * only damaged ones, gives nothing: a broken picture is never a cover.
 */
export function refineFrom(windows: readonly WindowFrame[][], files: readonly string[], reference: VideoReference): (RefinedMoment | undefined)[] {
  return files.map((file, k) => {
    const best = bestInWindow(windows[k] ?? [], reference);
    return best === undefined || best.defects.includes('damaged') ? undefined : { ...best, frame: { file, index: best.index } };
  });
}

/** Pure: the best frame of a window — good, still, not in a fade. Exported for tests. */
export function bestInWindow(frames: readonly WindowFrame[], reference: VideoReference): (Omit<RefinedMoment, 'frame'> & { index: number }) | undefined {
  if (frames.length === 0) return undefined;
  const motion = frames.reduce((sum, f) => sum + f.change, 0) / Math.max(1, frames.length - 1);
  let best: (Omit<RefinedMoment, 'frame'> & { index: number }) | undefined;
  let bestValue = -Infinity;
  frames.forEach((_, i) => {
    const judged = judgeFrame(frames, i, reference);
    // Damage outweighs everything: any intact frame is better than a broken one.
    const value = merit(judged.scores, judged.stillness) - judged.defects.length - (judged.defects.includes('damaged') ? 100 : 0);
    if (value > bestValue) {
      bestValue = value;
      best = { ...judged, motion, index: i };
    }
  });
  return best;
}

/** Pure: one frame of a window judged as a still: its scores, defects and stillness. */
export function judgeFrame(frames: readonly WindowFrame[], i: number, reference: VideoReference): Pick<RefinedMoment, 'time' | 'scores' | 'defects' | 'stillness' | 'features'> {
  const frame = frames[i]!;
  const scores = qualityOf(frame.features, reference);
  const defects = frameDefects(frame.features, reference, frame.corrupt);
  // Within a window a fade shows against the window's first frame or the frame before.
  if (isTransition(frame.features, frames[i - 1]?.features, frames[0]?.features)) defects.push('transition');
  return { time: frame.time, scores, defects, stillness: clamp01(1 - motionAt(frames, i) / STILL_CHANGE), features: frame.features };
}

/** What a still is worth before relevance: good, and still (Hecate outputs the stillest frame). */
export function merit(scores: QualityScores, stillness: number): number {
  return scores.quality * (0.6 + 0.4 * stillness);
}

/** The better of two refinements of one look: one that exists, then fewer defects, then merit. */
export function better(a: RefinedMoment | undefined, b: RefinedMoment | undefined): RefinedMoment | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  if (a.defects.length !== b.defects.length) return a.defects.length < b.defects.length ? a : b;
  return merit(b.scores, b.stillness) > merit(a.scores, a.stillness) ? b : a;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
