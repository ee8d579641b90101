import type { Size, TimeWindow } from './ffmpeg-args.js';
import { frameDistance } from './features.js';
import { frameDefects, qualityOf, type QualityScores, type VideoReference } from './quality.js';
import { CUT, isTransition } from './select.js';
import type { WindowFrame } from './window.js';

export interface GifCandidate {
  readonly time: number;
  readonly relevance: number;
}

export interface GifSegment {
  readonly start: number;
  readonly duration: number;
  /** The segment's frames, already decoded at GIF size: frames [first, first + count) of this raw file. */
  readonly raw: string;
  readonly first: number;
  readonly count: number;
  /** Mean frame-to-frame luma change at the GIF's frame rate, 0..1. */
  readonly motion: number;
  readonly relevance: number;
  readonly scores: QualityScores;
  /** The preview runs across a cut: no run without one was long enough (see bestRun). */
  readonly crossesCut: boolean;
}

/** Animated previews last 1.5–4.5 s (Hecate; Video2GIF uses 3 s): long enough to read, short enough to loop. */
export const GIF_MIN_SECONDS = 1.5;
export const GIF_TARGET_SECONDS = 3;
export const GIF_MAX_SECONDS = 4.5;
export const GIF_FPS = 10;
/** Below this mean change per frame (at 10 fps) a clip is a still picture, not a preview. */
export const STATIC_MOTION = 0.002;
/** Luma change between two frames at 10 fps that can only be a cut or a flash. */
const CUT_CHANGE = 0.2;
/** Contrast lost against the run's best frame that marks the start of a fade. */
const FADE_LOSS = 1 / 6;
const MAX_TRIES = 3;

const WINDOW_SECONDS = GIF_TARGET_SECONDS + 0.5;

/**
 * The window that looks for a GIF from `candidate` on, teeing its frames at GIF size into `file`. Near the
 * end of the video it starts earlier, so that a full-length preview fits; a video shorter than the window
 * is looked at whole.
 */
export function gifWindow(candidate: GifCandidate, videoDuration: number, gifSize: Size, file: string): TimeWindow {
  const start = Number.isFinite(videoDuration) ? Math.max(0, Math.min(candidate.time, videoDuration - WINDOW_SECONDS)) : candidate.time;
  return { start, duration: Math.min(WINDOW_SECONDS, remaining(videoDuration, start)), fps: GIF_FPS, tee: { size: gifSize, file, pixelFormat: 'rgb24' } };
}

/** How long a preview must last: 1.5 s, or the whole video when it is shorter (allowing for one frame). */
function gifMinimum(videoDuration: number): number {
  return Number.isFinite(videoDuration) ? Math.min(GIF_MIN_SECONDS, videoDuration - 1 / GIF_FPS) : GIF_MIN_SECONDS;
}

/** Up to `count` candidates whose GIFs could not share frames with each other or with `taken`. */
export function nextRound(queue: GifCandidate[], count: number, taken: readonly GifSegment[], videoDuration: number): GifCandidate[] {
  const round: GifCandidate[] = [];
  while (round.length < count && queue.length > 0) {
    const next = queue.shift()!;
    if (remaining(videoDuration, next.time) <= 0) continue;
    if (![...taken, ...round].some((c) => overlaps(c, next.time))) round.push(next);
  }
  return round;
}

/**
 * Finds, from each candidate on, the longest run of good frames with no cut in it, and takes runs that are
 * long enough and move. The first round arrives already decoded (it shares the refine pass); a static or
 * cut-short candidate costs one more round, up to MAX_TRIES candidates. When nothing qualifies (a
 * slideshow, a one-second clip) the best runs found are used, shortened to what exists.
 */
export async function chooseGifSegments(
  first: { readonly round: readonly GifCandidate[]; readonly frames: readonly WindowFrame[][]; readonly files: readonly string[] },
  queue: GifCandidate[],
  count: number,
  videoDuration: number,
  reference: VideoReference,
  decode: (windows: readonly GifCandidate[], files: readonly string[]) => Promise<WindowFrame[][]>,
  fileFor: (n: number) => string,
): Promise<GifSegment[]> {
  const chosen: GifSegment[] = [];
  const fallbacks: GifSegment[] = [];
  let round = first.round;
  let frames = first.frames;
  let files = first.files;
  let tried = round.length;
  for (;;) {
    round.forEach((candidate, k) => {
      const segment = bestRun(frames[k] ?? [], candidate.relevance, reference, files[k]!, videoDuration);
      if (segment === undefined) return;
      const longEnough = segment.duration >= gifMinimum(videoDuration);
      if (longEnough && !segment.crossesCut && segment.motion >= STATIC_MOTION && chosen.length < count) chosen.push(segment);
      else fallbacks.push(segment);
    });
    if (chosen.length >= count || tried >= count + MAX_TRIES - 1) break;
    round = nextRound(queue, count - chosen.length, chosen, videoDuration);
    if (round.length === 0) break;
    files = round.map((_, k) => fileFor(tried + k));
    tried += round.length;
    frames = await decode(round, files);
  }
  // Long enough first (the contract), then without a cut, then the most alive.
  const rank = (g: GifSegment) => (g.duration >= gifMinimum(videoDuration) ? 2 : 0) + (g.crossesCut ? 0 : 1);
  fallbacks.sort((a, b) => rank(b) - rank(a) || b.duration * (b.motion + 0.001) - a.duration * (a.motion + 0.001));
  for (const f of fallbacks) {
    if (chosen.length >= count) break;
    if (!chosen.some((c) => overlaps(c, f.start))) chosen.push(f);
  }
  return chosen;
}

function remaining(videoDuration: number, start: number): number {
  return Number.isFinite(videoDuration) ? videoDuration - start : GIF_TARGET_SECONDS + 0.5;
}

/** Whether a GIF starting at `time` (at most GIF_MAX_SECONDS long) would share frames with `other`. */
function overlaps(other: GifSegment | GifCandidate, time: number): boolean {
  const start = 'start' in other ? other.start : other.time;
  const duration = 'duration' in other ? other.duration : GIF_MAX_SECONDS;
  return time < start + duration && start < time + GIF_MAX_SECONDS;
}

/**
 * Pure: the longest run of good frames without a cut, capped at the target length. When no such run lasts
 * long enough (a clip of quick cuts, a short video), the best window of the minimum length instead, which
 * may cross a cut (and says so) but never holds a damaged frame. Exported for tests.
 */
export function bestRun(frames: readonly WindowFrame[], relevance: number, reference: VideoReference, raw: string, videoDuration = Infinity): GifSegment | undefined {
  const intact = frames.map((f) => !f.corrupt);
  const cutAt = frames.map((f, i) => i > 0 && (f.change > CUT_CHANGE || frameDistance(frames[i - 1]!.features, f.features) > CUT));
  let best: { from: number; to: number } | undefined;
  let from = -1;
  const close = (to: number): void => {
    if (from >= 0 && (best === undefined || to - from > best.to - best.from)) best = { from, to };
    from = -1;
  };
  let crispest: WindowFrame | undefined;
  frames.forEach((frame, i) => {
    const good = intact[i]! && frameDefects(frame.features, reference).filter((d) => d !== 'blurry').length === 0;
    // A preview should stop before a fade, not loop through the first part of one: end the run once the
    // picture has lost a sixth of the contrast of the run's best frame while keeping its layout.
    const fading = crispest !== undefined && isTransition(frame.features, crispest.features, undefined, FADE_LOSS);
    if (!good || cutAt[i]! || fading) {
      close(i);
      crispest = undefined;
    }
    if (good && from < 0) from = i;
    if (from >= 0 && (crispest === undefined || frame.features.contrast > crispest.features.contrast)) crispest = frame;
  });
  close(frames.length);
  const period = frames.length > 1 ? (frames.at(-1)!.time - frames[0]!.time) / (frames.length - 1) : 1 / GIF_FPS;
  const needed = Math.min(frames.length, Math.ceil(gifMinimum(videoDuration) / period - 1e-6));
  let crossesCut = false;
  if (best === undefined || best.to - best.from < needed) {
    const window = bestWindow(frames, intact, cutAt, needed, reference);
    if (window !== undefined) {
      best = window;
      crossesCut = cutAt.slice(window.from + 1, window.to).some(Boolean);
    }
  }
  if (best === undefined) return undefined;
  const { from: first } = best;
  const available = (best.to - first) * period;
  const duration = Math.min(GIF_TARGET_SECONDS, available);
  const last = Math.min(best.to, first + Math.max(1, Math.round(duration / period)));
  let change = 0;
  for (let i = first + 1; i < last; i++) change += frames[i]!.change;
  const middle = frames[Math.floor((first + last - 1) / 2)]!;
  const start = frames[first]!.time;
  return {
    start,
    duration: Number(Math.min((last - first) * period, Number.isFinite(videoDuration) ? videoDuration - start : Infinity).toFixed(3)),
    raw,
    first,
    count: last - first,
    motion: last - first > 1 ? change / (last - first - 1) : 0,
    relevance,
    scores: qualityOf(middle.features, reference),
    crossesCut,
  };
}

/** The `length` consecutive intact frames with the most good frames and the fewest cuts. */
function bestWindow(frames: readonly WindowFrame[], intact: readonly boolean[], cutAt: readonly boolean[], length: number, reference: VideoReference): { from: number; to: number } | undefined {
  if (length <= 0) return undefined;
  let best: { from: number; to: number } | undefined;
  let bestValue = -Infinity;
  for (let from = 0; from + length <= frames.length; from++) {
    let value = 0;
    let usable = true;
    for (let i = from; i < from + length; i++) {
      if (!intact[i]) { usable = false; break; }
      if (frameDefects(frames[i]!.features, reference).length === 0) value++;
      if (i > from && cutAt[i]) value -= 2;
    }
    if (usable && value > bestValue) { bestValue = value; best = { from, to: from + length }; }
  }
  return best;
}
