/**
 * Pure builders of ffmpeg/ffprobe argument lists ("commands are data"): each returns argv and nothing
 * runs here, so every command is tested by value. They stay within what the 2018 static ffmpeg shipped
 * on npm understands (no -fps_mode, scdet or blurdetect), because that build is our fallback.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Input options that start decoding at the keyframe at or before `time`, without dropping anything
 * (ffmpeg's accurate seek would drop frames before the target, and a target a hair before a keyframe makes
 * it decode the whole previous GOP). Timestamps then count from `time`, so FROM_TARGET in the filter graph
 * keeps the frame at `time` and what follows. Both builds of ffmpeg we run understand this.
 */
export function seekInput(time: number): string[] {
  return ['-noaccurate_seek', '-ss', (Math.max(0, time) + SEEK_AFTER).toFixed(6)];
}
/** How far after the wanted frame the seek target sits: less than any frame interval. */
const SEEK_AFTER = 0.0001;
/** Keeps frames from the seek target on (allowing for rounding of printed timestamps). */
export const FROM_TARGET = `select=gte(t\\,${(-(SEEK_AFTER + 0.0005)).toFixed(4)})`;

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

/** Also write every window's frames at another size to a raw rgb24 file (a GIF's frames, decoded once). */
export interface WindowTee {
  readonly size: Size;
  /** One file per window. */
  readonly files: readonly string[];
}

/**
 * The index ffmpeg gives window k's showinfo ("Parsed_showinfo_N"): filters are numbered in the order the
 * graph text names them, and windowsArgs writes each window's chain as
 * select, [fps,] [split,] scale, setsar, format, showinfo[, scale, setsar, format].
 */
export function showinfoIndex(k: number, fps: number | undefined, tee: boolean): number {
  const before = 4 + (fps === undefined ? 0 : 1) + (tee ? 1 : 0);
  const perWindow = before + 1 + (tee ? 3 : 0);
  return k * perWindow + before;
}

/**
 * Small rgb24 frames of several short windows in one process (each ffmpeg start costs ~0.13 CPU-s here):
 * one seeking input per window, each chain ending in its own showinfo, concatenated onto one pipe. Frames
 * arrive window by window; window k's showinfo (see showinfoIndex) counts its frames and their times,
 * relative to the window's start. Candidates are keyframes, so a window costs only its own length. Single
 * threads: several decoders run at once, and frame threading would multiply their memory for no CPU saved.
 */
export function windowsArgs(file: string, windows: readonly TimeWindow[], size: Size, fps?: number, tee?: WindowTee): string[] {
  const inputs = windows.flatMap((w) => ['-threads', '1', ...seekInput(w.start), '-t', formatTime(w.duration), '-i', file]);
  const small = `scale=${size.width}:${size.height}:flags=area,setsar=1,format=rgb24,showinfo`;
  const chains = windows.map((_, k) => {
    const head = `[${k}:v:0]${FROM_TARGET}${fps === undefined ? '' : `,fps=${formatNumber(fps)}`}`;
    if (tee === undefined) return `${head},${small}[w${k}]`;
    const big = `scale=${tee.size.width}:${tee.size.height}:flags=lanczos,setsar=1,format=rgb24`;
    return `${head},split[a${k}][b${k}];[a${k}]${small}[w${k}];[b${k}]${big}[g${k}]`;
  });
  const joined = windows.map((_, k) => `[w${k}]`).join('');
  const graph = `${chains.join(';')};${joined}concat=n=${windows.length}:v=1:a=0[out]`;
  const teeOutputs = tee === undefined ? [] : windows.flatMap((_, k) => ['-map', `[g${k}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-y', tee.files[k]!]);
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-filter_complex_threads', '1',
    ...inputs,
    '-filter_complex', graph,
    '-map', '[out]', '-an', '-sn', '-dn',
    '-vsync', 'passthrough',
    '-f', 'rawvideo', 'pipe:1',
    ...teeOutputs,
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
export function stillsArgs(file: string, shots: readonly StillShot[], size: Size, scale: boolean): string[] {
  const inputs = shots.flatMap((s) => ['-threads', '1', ...seekInput(s.time), '-i', file]);
  const outputs = shots.flatMap((s, k) => [
    '-map', `${k}:v:0`, '-frames:v', '1',
    // Scaling only when the display size differs from the coded one (rotation is applied either way).
    '-vf', scale ? `${FROM_TARGET},scale=${size.width}:${size.height}:flags=lanczos,setsar=1` : FROM_TARGET,
    // zlib level 3: half the encoding time of the default for 6 % larger files (measured on 1080p).
    '-c:v', 'png', '-compression_level', '3', '-f', 'image2', '-update', '1', '-y', s.out,
  ]);
  return ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-filter_threads', '1', ...inputs, ...outputs];
}

export interface GifFromFrames {
  /** A raw rgb24 file of frames at `size`, `fps` frames a second (written by windowsArgs' tee). */
  readonly raw: string;
  readonly size: Size;
  readonly fps: number;
  /** The frames [first, first + count) become the GIF. */
  readonly first: number;
  readonly count: number;
}

/**
 * An animated GIF from frames already decoded and scaled, with the two-pass palette in the filter graph:
 * palettegen looks at the whole clip, paletteuse maps it. stats_mode=diff and diff_mode=rectangle spend the
 * palette and the bytes on what moves, which keeps files small; bayer dithering compresses better than
 * error diffusion.
 */
export function gifArgs(spec: GifFromFrames, out: string): string[] {
  const graph =
    `[0:v:0]trim=start_frame=${spec.first}:end_frame=${spec.first + spec.count},setpts=PTS-STARTPTS,split[a][b];` +
    `[a]palettegen=max_colors=256:stats_mode=diff[p];` +
    `[b][p]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle`;
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-video_size', `${spec.size.width}x${spec.size.height}`, '-framerate', formatNumber(spec.fps),
    '-i', spec.raw,
    '-filter_complex', graph,
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
