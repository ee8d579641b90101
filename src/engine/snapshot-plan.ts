import { AppError } from '../errors.js';
import type { Size } from './ffmpeg-args.js';

/** Which shots a snapshot job takes, as SubmitSnapshotJob and a snapshot template give them. */
export interface ShotSchedule {
  /** How many shots (default 1). */
  readonly count: number;
  /** Seconds between shots; 0 spreads `count` evenly over the video. */
  readonly interval: number;
  /** Milliseconds: where the first shot is (or the single one). */
  readonly offsetMs: number;
  /** Milliseconds: these times exactly (at most 30), instead of count and interval. */
  readonly offsetsMs?: readonly number[] | undefined;
}

/** Most shots one job takes: a 10×10 sprite sheet ten times over. */
export const MAX_SHOTS = 1000;

/**
 * The times (seconds from the start, ascending, as asked) of a job's shots in a video `duration` long.
 * Explicit offsets are taken as they are (a time past the end is refused); otherwise shots start at the
 * offset and follow every `interval` seconds, as many as `count` allows and as fit before the end
 * (whichever gives fewer wins); interval 0 spreads `count` evenly from the offset to the end.
 */
export function shotTimes(schedule: ShotSchedule, duration: number): number[] {
  const known = Number.isFinite(duration) && duration > 0;
  if (schedule.offsetsMs !== undefined) {
    const times = schedule.offsetsMs.map((ms) => ms / 1000);
    const late = times.find((t) => known && t > duration);
    if (late !== undefined) throw outside(late, duration);
    return times;
  }
  const start = schedule.offsetMs / 1000;
  if (known && start > duration) throw outside(start, duration);
  const count = Math.min(schedule.count, MAX_SHOTS);
  if (schedule.interval === 0) {
    const span = known ? duration - start : 0;
    return Array.from({ length: count }, (_, i) => start + (span * i) / count);
  }
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = start + i * schedule.interval;
    if (known && t >= duration && i > 0) break;
    times.push(t);
  }
  return times;
}

/**
 * A shot's size: both sides as asked; one side with the other following the picture's aspect (rounded to
 * even, as encoders like); none: the picture's own size.
 */
export function shotSize(display: Size, width: number | undefined, height: number | undefined): Size {
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined) return { width, height: even((width * display.height) / display.width) };
  if (height !== undefined) return { width: even((height * display.width) / display.height), height };
  return display;
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

function outside(time: number, duration: number): AppError {
  return new AppError('invalid_argument', `A snapshot at ${time} s is past the end of the video (${duration} s).`, { details: { reason: 'time', field: 'SpecifiedOffsetTime' } });
}
