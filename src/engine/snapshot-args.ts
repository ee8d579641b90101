import { UNTRUSTED_INPUT, type Size } from './ffmpeg-args.js';

/** 'intra': the keyframe at or after each time (decodes keyframes only: fast); 'normal': the frame at or after it. */
export type FrameType = 'intra' | 'normal';

/** How far past the last time a pass reads: enough to reach the next keyframe of a long GOP. */
const READ_PAST = { intra: 20, normal: 1 } as const;

/**
 * One ffmpeg pass that writes a JPEG for each asked time, in order, and a showinfo line per JPEG (its
 * timestamp): the first frame (keyframe, for 'intra') whose timestamp is at or after each time. Times that
 * fall on the same frame make one JPEG (the caller maps times to files by the showinfo timestamps). The
 * input is read only up to a little past the last time. `start` is the container's start time, which
 * ffmpeg's timestamps count from.
 */
export function snapshotArgs(file: string, times: readonly number[], frameType: FrameType, size: Size, start: number, outPattern: string): string[] {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  const at = sorted.map((t) => formatTime(t + start));
  // A frame is taken when more asked times are at or before it than before the last frame taken: ffmpeg's
  // expressions have no loops, so the count is a sum (prev_selected_t is NaN before the first, and a
  // comparison with NaN is false).
  const countAt = (x: string) => at.map((t) => `gte(${x},${t})`).join('+');
  const select = `select='gt(${countAt('t')},${countAt('prev_selected_t')})'`;
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-max_error_rate', '1',
    ...(frameType === 'intra' ? ['-threads', '1', '-skip_frame', 'nokey'] : []),
    // An input's -t is a duration from its start, whatever the container's start time.
    '-t', formatTime((sorted.at(-1) ?? 0) + READ_PAST[frameType]),
    ...UNTRUSTED_INPUT, '-i', file,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', [select, `scale=${size.width}:${size.height}:flags=lanczos`, 'setsar=1', 'showinfo'].join(','),
    '-vsync', 'passthrough', '-q:v', '2', '-f', 'image2', outPattern,
  ];
}

function formatTime(seconds: number): string {
  return String(Math.round(seconds * 1e6) / 1e6);
}

