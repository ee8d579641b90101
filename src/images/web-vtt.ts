import type { Box } from './crop-box.js';

/** One thumbnail cue: from `start` to `end` (seconds) the seek bar shows `box` of `image`. */
export interface ThumbnailCue {
  readonly start: number;
  readonly end: number;
  /** A file name or URL, without fragment. */
  readonly image: string;
  readonly box: Box;
}

/**
 * A WebVTT thumbnail track, the form web players (video.js, JW Player, Plyr, Shaka) read for seek-bar
 * previews: each cue's text is the image with a media fragment, `sprite-00001.jpg#xywh=0,0,160,90`.
 */
export function thumbnailVtt(cues: readonly ThumbnailCue[]): string {
  const lines = ['WEBVTT', ''];
  for (const cue of cues) {
    lines.push(`${timestamp(cue.start)} --> ${timestamp(cue.end)}`);
    lines.push(`${cue.image}#xywh=${cue.box.x},${cue.box.y},${cue.box.width},${cue.box.height}`, '');
  }
  return lines.join('\n');
}

/** HH:MM:SS.mmm */
function timestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}
