import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { lastMeaningfulLine } from './ffmpeg.js';
import { probeArgs, type Size } from './ffmpeg-args.js';
import { checkFileSize, checkVideo, DEFAULT_MEDIA_LIMITS, type MediaLimits } from './media-limits.js';

/** What the engine needs to know about a video before it looks at any frame. */
export interface VideoInfo {
  readonly file: string;
  readonly bytes: number;
  readonly container: string;
  readonly codec: string;
  /** Seconds; NaN when neither the container nor the stream says (raw streams). */
  readonly duration: number;
  /** Coded size of the stream. */
  readonly coded: Size;
  /** Size as a viewer sees it: rotation applied, pixels made square. Covers are rendered at this size. */
  readonly display: Size;
  /** Clockwise rotation a player applies: 0, 90, 180 or 270. */
  readonly rotation: number;
  /** Frames per second when known, else NaN. */
  readonly fps: number;
  /** Number of frames when the container says, else NaN. */
  readonly frames: number;
  /** The container's start time in seconds (MPEG streams rarely start at 0); ffmpeg counts from it. */
  readonly start: number;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}
interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string };
}

/** Containers that hold a still picture, not a video. */
const IMAGE_CONTAINER = /^(image2|.*_pipe)$/;

/**
 * Reads a file's container and video stream and rejects, with a one-line reason a person understands,
 * everything that is not a video we can decode: a missing path, an empty file, a text file, a truncated
 * file, a still image, audio only, a stream whose codec is unknown.
 */
export async function probeVideo(ffmpeg: FfmpegRunner, file: string, signal?: AbortSignal, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): Promise<VideoInfo> {
  const bytes = await fileSize(file);
  checkFileSize(file, bytes, limits);
  let output: ProbeOutput;
  try {
    const { stdout } = await ffmpeg.ffprobe(probeArgs(file), { signal, timeoutMs: 60_000 });
    output = JSON.parse(stdout.toString('utf8')) as ProbeOutput;
  } catch (error) {
    if (error instanceof AppError && (error.kind === 'aborted' || error.kind === 'unavailable')) throw error;
    const stderr = error instanceof AppError ? String(error.details['stderr'] ?? '') : '';
    const refusedFormat = /\[([\w,]+) @ 0x[0-9a-f]+\] Format not on whitelist/.exec(stderr)?.[1];
    if (refusedFormat !== undefined) throw new AppError('invalid_media', `${file}: ${describeRefusedFormat(refusedFormat)}`, { cause: error, details: { format: refusedFormat } });
    throw new AppError('invalid_media', `${file}: not a readable video (${describeProbeFailure(lastMeaningfulLine(stderr.split('\n')))})`, { cause: error });
  }
  const info = interpretProbe(file, bytes, output);
  checkVideo(info, limits);
  return info;
}

async function fileSize(file: string): Promise<number> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('not_found', `${file}: no such file`);
    if (code === 'EACCES') throw new AppError('forbidden', `${file}: permission denied`);
    throw new AppError('invalid_argument', `${file}: cannot be read (${code ?? 'unknown error'})`, { cause: error });
  }
  if (!info.isFile()) throw new AppError('invalid_argument', `${file}: not a file`);
  if (info.size === 0) throw new AppError('invalid_media', `${file}: the file is empty (0 bytes)`);
  return info.size;
}

/** Formats the demuxer whitelist leaves out (see VIDEO_DEMUXERS), in words. */
function describeRefusedFormat(format: string): string {
  if (IMAGE_CONTAINER.test(format)) return `a still image (${format.replace(/_pipe$/, '')}), not a video`;
  if (/^(hls|dash|concat|ffmetadata|mpl2|webm_dash_manifest|image2|imagepipe)$/.test(format)) {
    return `a playlist or list of other files (${format}), which is not accepted: send the video file itself`;
  }
  return `not a video container smartcover reads (${format})`;
}

function describeProbeFailure(reason: string | undefined): string {
  if (reason === undefined) return 'ffprobe could not read it';
  if (/moov atom not found/i.test(reason)) return 'the file is truncated or incomplete: its index (moov atom) is missing';
  if (/Invalid data found/i.test(reason)) return 'unrecognised or damaged data';
  return reason.replace(/^.*?:\s(?=[A-Z])/, '');
}

/** Pure: turns ffprobe's JSON into VideoInfo, or a clear invalid_media error. Exported for tests. */
export function interpretProbe(file: string, bytes: number, output: ProbeOutput): VideoInfo {
  const container = output.format?.format_name ?? 'unknown';
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (video === undefined) {
    const hasAudio = streams.some((s) => s.codec_type === 'audio');
    throw new AppError('invalid_media', `${file}: no video stream${hasAudio ? ' (the file is audio only)' : ''}`);
  }
  if (IMAGE_CONTAINER.test(container)) {
    throw new AppError('invalid_media', `${file}: a still image (${video.codec_name ?? container}), not a video`);
  }
  if (video.codec_name === undefined || video.codec_name === '' || video.codec_name === 'none') {
    const tag = video.codec_tag_string !== undefined && !video.codec_tag_string.startsWith('[') ? ` '${video.codec_tag_string}'` : '';
    throw new AppError('invalid_media', `${file}: the video stream cannot be decoded (unknown codec${tag})`);
  }
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new AppError('invalid_media', `${file}: the video stream has no picture size (damaged or unsupported)`);
  }
  const rotation = readRotation(video);
  const sar = parseRatio(video.sample_aspect_ratio);
  const squareWidth = sar > 0 && Number.isFinite(sar) ? width * sar : width;
  const upright = rotation === 90 || rotation === 270;
  const display = {
    width: even(upright ? height : squareWidth),
    height: even(upright ? squareWidth : height),
  };
  const duration = firstFinite(parseFloat(output.format?.duration ?? ''), parseFloat(video.duration ?? ''));
  return {
    file,
    bytes,
    container,
    codec: video.codec_name,
    duration,
    coded: { width, height },
    display,
    rotation,
    fps: firstFinite(parseRatio(video.avg_frame_rate), parseRatio(video.r_frame_rate)),
    frames: parseInt(video.nb_frames ?? '', 10),
    start: Number.isFinite(parseFloat(output.format?.start_time ?? '')) ? parseFloat(output.format!.start_time!) : 0,
  };
}

/** Rotation lives in the display matrix side data (new ffprobe) or a `rotate` tag (old ffprobe). */
function readRotation(stream: ProbeStream): number {
  const fromSideData = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = fromSideData ?? parseFloat(stream.tags?.['rotate'] ?? '0');
  const normalised = ((Math.round(raw / 90) * 90) % 360 + 360) % 360;
  return Number.isFinite(normalised) ? normalised : 0;
}

function parseRatio(text: string | undefined): number {
  if (text === undefined) return NaN;
  const [a, b] = text.split(/[:/]/).map(Number);
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0) return NaN;
  return a / b;
}

function firstFinite(...values: number[]): number {
  return values.find((v) => Number.isFinite(v) && v > 0) ?? NaN;
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
