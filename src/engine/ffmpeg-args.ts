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
 * it decode the whole previous GOP). The window's select filter then keeps the frames from its start on.
 * Both builds of ffmpeg we run understand this.
 */
export function seekInput(time: number): string[] {
  return ['-noaccurate_seek', '-ss', (Math.max(0, time) + SEEK_AFTER).toFixed(6)];
}
/** How far after the wanted frame the seek target sits: less than any frame interval. */
const SEEK_AFTER = 0.0001;

/**
 * ffmpeg gives up with an error once more than 2/3 of the frames failed to decode; a damaged file's
 * intact part is still worth covers, and the engine judges damage frame by frame itself.
 */
const TOLERATE_DAMAGE = ['-max_error_rate', '1'];

/**
 * The demuxers a video may be read with: self-contained video containers and raw video streams. Left out,
 * on purpose: playlists and lists of other files (hls, dash, concat, ffmetadata, image2's sequences…)
 * that would make ffmpeg open files a crafted upload names, and still-image formats.
 */
export const VIDEO_DEMUXERS = [
  'mov', 'matroska', 'avi', 'flv', 'live_flv', 'mpegts', 'mpegtsraw', 'mpeg', 'mpegvideo', 'h264', 'hevc', 'm4v', 'vc1', 'av1', 'obu', 'ivf',
  'asf', 'ogg', 'rm', 'dv', 'mxf', 'nut', 'yuv4mpegpipe', 'gif', 'wtv', 'swf', 'flic', 'smk', 'bink', 'roq', '4xm', 'nsv', 'nuv', 'cavsvideo',
  'dirac', 'mjpeg', 'avs', 'thp', 'vmd', 'wc3movie', 'xmv', 'cine', 'film_cpk', 'idcin', 'ipmovie', 'mtv', 'mvi', 'mm', 'siff', 'tmv', 'pva',
  'wsvqa', 'bethsoftvid', 'anm', 'lmlm4',
] as const;

/**
 * Options before every `-i` of an untrusted video: only the local file protocol, only video demuxers. A
 * playlist or concat file inside an upload can then name no second file.
 */
export const UNTRUSTED_INPUT: readonly string[] = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS.join(',')];

export function probeArgs(file: string): string[] {
  return ['-v', 'error', ...UNTRUSTED_INPUT, '-print_format', 'json', '-show_format', '-show_streams', '--', file];
}

/** How the candidate pass picks frames: the keyframes only (cheap), or a fixed rate (decodes everything). */
export type ScanMode = { readonly kind: 'keyframes' } | { readonly kind: 'timed'; readonly fps: number };

/**
 * One pass over the whole video that writes small rgb24 frames to stdout and one showinfo line per frame to
 * stderr (its timestamp). `-skip_frame nokey` makes the decoder drop every non-key frame before decoding,
 * which is what makes the keyframe pass cost a small fraction of a full decode. Scaling happens in the
 * filter graph (H.264 has no -lowres).
 */
export function scanArgs(file: string, mode: ScanMode, size: Size, source?: Size): string[] {
  const filters = [
    ...(mode.kind === 'timed' ? [`fps=${formatNumber(mode.fps)}`] : []),
    `scale=${size.width}:${size.height}:flags=area`,
    'format=rgb24',
    'showinfo',
  ];
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-filter_threads', '1', ...TOLERATE_DAMAGE,
    // Keyframes are independent pictures: frame threading has nothing to overlap and only adds
    // synchronisation (measured: one thread costs ~20 % less CPU and is faster on the wall clock too).
    ...(mode.kind === 'keyframes' ? ['-threads', '1', '-skip_frame', 'nokey'] : source !== undefined && isHuge(source) ? ['-threads', '1'] : []),
    ...UNTRUSTED_INPUT, '-i', file,
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
  /**
   * Seconds between the keyframe a seek lands on and `start`. With -noaccurate_seek, an input's -t counts
   * from that keyframe, not from the seek target: without the lead, a window that starts mid-GOP is cut
   * short or comes back empty.
   */
  readonly lead?: number | undefined;
  /**
   * Seconds to decode before `start` and throw away. Containers without an index (MPEG program and
   * transport streams, raw streams) give the first frames after a seek guessed timestamps; a second of
   * frames before the window lets them settle, so a frame's stated time is the time it is shown at.
   */
  readonly preroll?: number | undefined;
  /** Sample this many frames a second instead of taking every decoded frame. */
  readonly fps?: number | undefined;
  /** Decode every frame, non-reference ones too (a frame chosen by hand must be the very one shown). */
  readonly everyFrame?: boolean | undefined;
  /** Also write the window's frames at this size to this raw file (for a still or a GIF, decoded once). */
  readonly tee?: { readonly size: Size; readonly file: string; readonly pixelFormat: RawPixelFormat } | undefined;
}

/**
 * Frames larger than two 1080p ones (4K and up): frame threading would hold a copy per thread, and every
 * frame queued in a filter graph costs its full size. Such sources decode on one thread, are scaled down
 * to the largest output first thing, and are looked at a few windows a pass (readWindows). Measured on the
 * bench's 20 s of 4K: the tree's peak went from 314 MB (PSS) to ~250.
 */
const HUGE_PIXELS = 2 * 1920 * 1088;

export function isHuge(source: Size): boolean {
  return source.width * source.height > HUGE_PIXELS;
}

/** The filters of one window's chain, in the order windowsArgs writes them. */
function chainFilters(w: TimeWindow, mode: LookMode, prescaled: boolean): string[] {
  const range = mode === 'seek' ? ['select'] : ['trim'];
  return [...(prescaled && mode === 'seek' ? ['scale'] : []), ...range, ...(w.fps === undefined ? [] : ['fps']), ...(w.tee === undefined ? [] : ['split']), 'scale', 'setsar', 'format', 'showinfo', ...(w.tee === undefined ? [] : ['scale', 'setsar', 'format'])];
}

/**
 * The index ffmpeg gives each window's showinfo ("Parsed_showinfo_N"): filters are numbered in the order
 * the graph text names them.
 */
export function showinfoIndices(windows: readonly TimeWindow[], mode: LookMode = 'seek', prescale?: Size): number[] {
  const prescaled = prescale !== undefined;
  let offset = mode === 'sequential' ? (windows.length > 1 ? 1 : 0) + (prescaled ? 1 : 0) : 0;
  return windows.map((w) => {
    const filters = chainFilters(w, mode, prescaled);
    const index = offset + filters.indexOf('showinfo');
    offset += filters.length;
    return index;
  });
}

/**
 * How a look pass reaches its windows. 'seek': one seeking input per window, decoding from the container's
 * keyframe at or before the window (cheap, and right for every clean entry point). 'sequential': one input
 * decoded from the start of the file up to the last window, split into the windows: the only decoding that
 * is right whatever the keyframes are (open GOPs, recovery points, broken references), at the price of
 * decoding everything before the last window.
 */
export type LookMode = 'seek' | 'sequential';

/**
 * Small rgb24 frames of several short windows in one process (each ffmpeg start costs ~0.25 CPU-s here,
 * system time included), each chain ending in its own showinfo, all concatenated onto one pipe. Frames
 * arrive window by window; each window's showinfo counts its frames and their times, relative to the
 * window's start. A window with a tee also writes its frames at full or GIF size to a raw file, so that
 * nothing is decoded twice. Single-threaded decoders: several run at once, and frame threading would
 * multiply their memory for no CPU saved.
 */
export function windowsArgs(file: string, windows: readonly TimeWindow[], size: Size, mode: LookMode = 'seek', fileStart = 0, prescale?: Size): string[] {
  // Non-reference frames are skipped before decoding: a still is picked among the others just as well, and
  // at 10 fps a GIF takes the nearest frame anyway. It saves about a third of the decoding.
  const decoder = (every: boolean) => ['-threads', '1', ...(every ? [] : ['-skip_frame', 'noref'])];
  const inputs = mode === 'seek'
    ? windows.flatMap((w) => [...decoder(w.everyFrame === true), ...seekInput(seekFrom(w)), '-t', formatTime((w.lead ?? 0) + (w.start - seekFrom(w)) + w.duration), ...UNTRUSTED_INPUT, '-i', file])
    : [...decoder(windows.some((w) => w.everyFrame === true)), '-t', formatTime(Math.max(...windows.map((w) => w.start + w.duration)) + 0.05), ...UNTRUSTED_INPUT, '-i', file];
  const small = `scale=${size.width}:${size.height}:flags=area,setsar=1,format=rgb24,showinfo`;
  // In sequential mode every window takes its frames from one decoder, and counts time from its own start.
  // A huge source is scaled to the largest output before anything else holds its frames.
  const shrink = prescale === undefined ? undefined : `scale=${prescale.width}:${prescale.height}:flags=lanczos`;
  const fanOut = windows.length > 1 ? `split=${windows.length}` : undefined;
  const split = mode === 'sequential' && (fanOut !== undefined || shrink !== undefined)
    ? [`[0:v:0]${[shrink, fanOut].filter((f) => f !== undefined).join(',')}${windows.map((_, k) => `[in${k}]`).join('')}`] : [];
  const source = (k: number) => (mode === 'seek' ? `[${k}:v:0]${shrink === undefined ? '' : `${shrink},`}` : split.length > 0 ? `[in${k}]` : '[0:v:0]');
  const chains = windows.map((w, k) => {
    const range = mode === 'seek'
      ? `select=gte(t\\,${(w.start + fileStart - 0.0005).toFixed(4)})`
      // Timestamps stay the file's own: a setpts shift by the window's start is computed in floating point
      // and truncated, which puts two frames on one timestamp (measured: 0.56 s at 25 fps).
      : `trim=start=${formatTime(w.start)}:end=${(w.start + w.duration).toFixed(3)}`;
    const head = `${source(k)}${range}${w.fps === undefined ? '' : `,fps=${formatNumber(w.fps)}`}`;
    if (w.tee === undefined) return `${head},${small}[w${k}]`;
    const big = `scale=${w.tee.size.width}:${w.tee.size.height}:flags=lanczos,setsar=1,format=${w.tee.pixelFormat}`;
    return `${head},split[a${k}][b${k}];[a${k}]${small}[w${k}];[b${k}]${big}[g${k}]`;
  });
  const joined = windows.map((_, k) => `[w${k}]`).join('');
  const graph = [...split, ...chains].join(';') + `;${joined}concat=n=${windows.length}:v=1:a=0[out]`;
  const teeOutputs = windows.flatMap((w, k) => (w.tee === undefined ? [] : ['-map', `[g${k}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-y', w.tee.file]));
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-filter_complex_threads', '1', ...TOLERATE_DAMAGE,
    // After a seek, ffmpeg's own shift of timestamps depends on where the demuxer landed (off by a frame in
    // MPEG program streams): seeking windows keep the file's timestamps and subtract its start themselves.
    ...(mode === 'seek' ? ['-copyts'] : []),
    ...inputs,
    '-filter_complex', graph,
    '-map', '[out]', '-an', '-sn', '-dn',
    '-vsync', 'passthrough',
    '-f', 'rawvideo', 'pipe:1',
    ...teeOutputs,
  ];
}

/** Where a seeking window's input starts: `start`, less its preroll. */
function seekFrom(w: TimeWindow): number {
  return Math.max(0, w.start - (w.preroll ?? 0));
}

/**
 * The video time that a window's frame timestamps (as showinfo prints them) count from, per mode: the
 * file's own zero when decoding sequentially (ffmpeg has taken its start time off), the container's zero
 * when seeking (-copyts keeps the start time in).
 */
export function windowOrigin(mode: LookMode, fileStart = 0): number {
  return mode === 'seek' ? -fileStart : 0;
}

/**
 * Full-size frames for stills stay in the decoder's yuv420p (half the bytes of rgb24, and at the same size
 * the scale is a pass-through); GIF frames are small and go straight to rgb24 for the palette.
 */
export type RawPixelFormat = 'yuv420p' | 'rgb24';

/** Frames already decoded at their final size: frames [first, first + count) of a raw file. */
export interface RawFrames {
  readonly file: string;
  readonly size: Size;
  readonly pixelFormat: RawPixelFormat;
  readonly first: number;
  readonly count: number;
}

export type RenderJob =
  | { readonly kind: 'png'; readonly frames: RawFrames; readonly out: string }
  | { readonly kind: 'gif'; readonly frames: RawFrames; readonly fps: number; readonly out: string };

/**
 * Encodes every still and GIF from frames decoded earlier, in one process. A GIF's palette is made in two
 * passes inside the graph: palettegen looks at the whole clip, paletteuse maps it. stats_mode=diff and
 * diff_mode=rectangle spend the palette and the bytes on what moves, which keeps files small; bayer
 * dithering compresses better than error diffusion. PNGs use zlib level 2: about half the time of the
 * default level for files ~8 % larger (measured on 1080p).
 */
export function renderArgs(jobs: readonly RenderJob[]): string[] {
  const inputs = jobs.flatMap((j) => rawInput(j.frames, j.kind === 'gif' ? j.fps : 25));
  const graph = jobs.map((j, k) => {
    const trim = trimRaw(k, j.frames);
    return j.kind === 'png'
      ? `${trim}[o${k}]`
      : `${trim},split[a${k}][b${k}];[a${k}]palettegen=max_colors=256:stats_mode=diff[p${k}];[b${k}][p${k}]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle[o${k}]`;
  }).join(';');
  const outputs = jobs.flatMap((j, k) => j.kind === 'png'
    ? ['-map', `[o${k}]`, '-frames:v', '1', '-c:v', 'png', '-compression_level', '2', '-f', 'image2', '-update', '1', '-y', j.out]
    : ['-map', `[o${k}]`, '-loop', '0', '-f', 'gif', '-y', j.out]);
  return ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-filter_complex_threads', '1', ...inputs, '-filter_complex', graph, ...outputs];
}

/**
 * Frames gathered into one raw file (see framesAsRgb), scaled to `size` as rgb24 and written one after the
 * other to stdout: the pictures the subject models look at are the very frames that become covers. One
 * input, so ffmpeg holds a frame or two, not a queue of full-size frames per input.
 */
export function rgbFramesArgs(frames: RawFrames, size: Size): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-threads', '1', '-filter_threads', '1',
    ...rawInput(frames, 25), '-vf', `scale=${size.width}:${size.height}:flags=area,setsar=1,format=rgb24`,
    '-vsync', 'passthrough', '-f', 'rawvideo', 'pipe:1',
  ];
}

function rawInput(frames: RawFrames, fps: number): string[] {
  return [
    '-f', 'rawvideo', '-pix_fmt', frames.pixelFormat, '-video_size', `${frames.size.width}x${frames.size.height}`,
    '-framerate', formatNumber(fps), '-i', frames.file,
  ];
}

function trimRaw(input: number, frames: RawFrames): string {
  return `[${input}:v:0]trim=start_frame=${frames.first}:end_frame=${frames.first + frames.count},setpts=PTS-STARTPTS`;
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
