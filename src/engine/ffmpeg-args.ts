/**
 * Pure builders of ffmpeg/ffprobe argument lists ("commands are data"): each returns argv and nothing
 * runs here, so every command is tested by value. They stay within what the 2018 static ffmpeg shipped
 * on npm understands (no -fps_mode, scdet or blurdetect), because that build is our fallback.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

export function probeArgs(file: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', file];
}

/** How the candidate pass picks frames: the keyframes only (cheap), or a fixed rate (decodes everything). */
export type ScanMode = { readonly kind: 'keyframes' } | { readonly kind: 'timed'; readonly fps: number };

/**
 * One pass over the whole video that writes small rgb24 frames to stdout and one showinfo line per frame to
 * stderr (its timestamp). `-skip_frame nokey` makes the decoder drop every non-key frame before decoding,
 * which is what makes the keyframe pass cost a small fraction of a full decode. Scaling happens in the
 * filter graph (H.264 has no -lowres).
 */
export function scanArgs(file: string, mode: ScanMode, size: Size): string[] {
  const filters = [
    ...(mode.kind === 'timed' ? [`fps=${formatNumber(mode.fps)}`] : []),
    `scale=${size.width}:${size.height}:flags=area`,
    'format=rgb24',
    'showinfo',
  ];
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...(mode.kind === 'keyframes' ? ['-skip_frame', 'nokey'] : []),
    '-i', file,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', filters.join(','),
    // Passthrough: one output frame per decoded frame, never duplicated or dropped, so frame n on stdout
    // is showinfo line n on stderr.
    '-vsync', 'passthrough',
    '-f', 'rawvideo', 'pipe:1',
  ];
}

export interface TimeWindow {
  readonly start: number;
  readonly duration: number;
}

/** Filters in each window's chain before its showinfo: [fps,] scale, setsar, format. */
export function windowChainLength(fps: number | undefined): number {
  return fps === undefined ? 3 : 4;
}

/**
 * Small rgb24 frames of several short windows in one process (each ffmpeg start costs ~0.13 CPU-s here):
 * one seeking input per window, each chain ending in its own showinfo, concatenated onto one pipe. Frames
 * arrive window by window; showinfo instance k·(chain+1)+chain counts window k's frames and its times
 * (relative to that window's start). Candidates are keyframes, so each window costs only its own length.
 */
export function windowsArgs(file: string, windows: readonly TimeWindow[], size: Size, fps?: number): string[] {
  const inputs = windows.flatMap((w) => ['-ss', formatTime(w.start), '-t', formatTime(w.duration), '-i', file]);
  const chains = windows.map((_, k) => {
    const filters = [
      ...(fps === undefined ? [] : [`fps=${formatNumber(fps)}`]),
      `scale=${size.width}:${size.height}:flags=area`,
      'setsar=1',
      'format=rgb24',
      'showinfo',
    ];
    return `[${k}:v:0]${filters.join(',')}[w${k}]`;
  });
  const joined = windows.map((_, k) => `[w${k}]`).join('');
  const graph = `${chains.join(';')};${joined}concat=n=${windows.length}:v=1:a=0[out]`;
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...inputs,
    '-filter_complex', graph,
    '-map', '[out]', '-an', '-sn', '-dn',
    '-vsync', 'passthrough',
    '-f', 'rawvideo', 'pipe:1',
  ];
}

export interface StillShot {
  readonly time: number;
  readonly out: string;
}

/**
 * Full-resolution PNGs at the display size, one seeking input and one output per still, in one process.
 * ffmpeg applies the rotation itself; the explicit scale turns non-square pixels square.
 */
export function stillsArgs(file: string, shots: readonly StillShot[], size: Size): string[] {
  const inputs = shots.flatMap((s) => ['-ss', formatTime(s.time), '-i', file]);
  const outputs = shots.flatMap((s, k) => [
    '-map', `${k}:v:0`, '-frames:v', '1',
    '-vf', `scale=${size.width}:${size.height}:flags=lanczos,setsar=1`,
    '-c:v', 'png', '-f', 'image2', '-update', '1', '-y', s.out,
  ]);
  return ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', ...inputs, ...outputs];
}

export interface GifSpec {
  readonly start: number;
  readonly duration: number;
  readonly size: Size;
  readonly fps: number;
}

/**
 * An animated GIF in one process with the two-pass palette done in the filter graph: palettegen looks at
 * the whole clip, paletteuse maps it. stats_mode=diff and diff_mode=rectangle spend the palette and the
 * bytes on what moves, which keeps files small; bayer dithering compresses better than error diffusion.
 */
export function gifArgs(file: string, spec: GifSpec, out: string): string[] {
  const graph =
    `[0:v:0]fps=${formatNumber(spec.fps)},scale=${spec.size.width}:${spec.size.height}:flags=lanczos,setsar=1,split[a][b];` +
    `[a]palettegen=max_colors=256:stats_mode=diff[p];` +
    `[b][p]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle`;
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-ss', formatTime(spec.start), '-t', formatTime(spec.duration), '-i', file,
    '-filter_complex', graph,
    '-an', '-sn', '-dn',
    '-loop', '0',
    '-f', 'gif',
    '-y', out,
  ];
}

/** Fits a display size into a box, keeping the aspect ratio, with even sides (what encoders and scalers like). */
export function fitInside(size: Size, maxWidth: number, maxHeight: number): Size {
  const scale = Math.min(1, maxWidth / size.width, maxHeight / size.height);
  return { width: evenAtLeast2(size.width * scale), height: evenAtLeast2(size.height * scale) };
}

function evenAtLeast2(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

/** Seconds with millisecond precision and no exponent: what ffmpeg's time parser wants. */
export function formatTime(seconds: number): string {
  return Math.max(0, seconds).toFixed(3);
}

function formatNumber(value: number): string {
  return Number(value.toFixed(4)).toString();
}
