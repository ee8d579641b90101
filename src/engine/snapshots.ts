import { link, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { AppError } from '../errors.js';
import { cellAt, composeSprites, type SpriteLayout } from '../images/sprite-sheet.js';
import { thumbnailVtt } from '../images/web-vtt.js';
import type { FfmpegRunner } from './ffmpeg.js';
import type { Size, TimeWindow } from './ffmpeg-args.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './media-limits.js';
import { probeVideo } from './probe.js';
import { snapshotArgs, type FrameType } from './snapshot-args.js';
import { shotSize, shotTimes, type ShotSchedule } from './snapshot-plan.js';
import { surveyVideo } from './survey.js';
import { lookAt } from './window.js';

/** A snapshot job's pictures, as VOD's SubmitSnapshotJob and snapshot templates describe them. */
export interface SnapshotRequest {
  readonly schedule: ShotSchedule;
  readonly frameType: FrameType;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** Present for sprite sheets (SpriteSnapshot, WebVttSnapshot). */
  readonly sprite?: SpriteRequest | undefined;
}

export interface SpriteRequest {
  readonly cellWidth?: number | undefined;
  readonly cellHeight?: number | undefined;
  readonly columns: number;
  readonly lines: number;
  readonly padding: number;
  readonly margin: number;
  /** A CSS colour name or #RRGGBB. */
  readonly color: string;
}

/** What a job wrote into its directory. */
export interface SnapshotOutput {
  /** The time each shot was asked for, seconds, in order. */
  readonly times: readonly number[];
  /** The shots' size (a sprite job's cells). */
  readonly size: Size;
  /** normal-00001.jpg…, or a sprite job's cells, cell-00001.jpg… */
  readonly shots: readonly string[];
  /** sprite-00001.jpg… */
  readonly sprites: readonly string[];
  /** index.vtt: a sprite job's thumbnail track. */
  readonly vtt?: string | undefined;
}

/** A cell a sprite request does not size: the width seek-bar previews usually have. */
const DEFAULT_CELL_WIDTH = 160;
/** A time this close to a frame's timestamp is that frame. */
const TIME_SLACK = 0.0005;

/**
 * Takes a job's shots (in one pass when they are close together, keyframes only for 'intra'; by the
 * engine's look pass, as the frame picker's stills, when they are far apart), then, for sprites, lays
 * the cells out on sheets and writes a WebVTT track whose cues point into them. Files are named as VOD
 * lists them: `normal-00001.jpg`, or `cell-00001.jpg` and `sprite-00001.jpg` with `index.vtt`.
 */
export async function takeSnapshots(ffmpeg: FfmpegRunner, file: string, request: SnapshotRequest, options: { outDir: string; signal?: AbortSignal | undefined; limits?: MediaLimits | undefined }): Promise<SnapshotOutput> {
  const info = await probeVideo(ffmpeg, file, options.signal, options.limits ?? DEFAULT_MEDIA_LIMITS);
  const times = shotTimes(request.schedule, info.duration);
  const sprite = request.sprite;
  const size = sprite === undefined
    ? shotSize(info.display, request.width, request.height)
    : shotSize(info.display, sprite.cellWidth ?? request.width ?? (sprite.cellHeight === undefined && request.height === undefined ? DEFAULT_CELL_WIDTH : undefined), sprite.cellHeight ?? request.height);
  const prefix = sprite === undefined ? 'normal' : 'cell';

  const shots = seekable(times, request.frameType)
    ? await lookShots(ffmpeg, file, times, size, prefix, { ...options, limits: options.limits ?? DEFAULT_MEDIA_LIMITS })
    : await passShots(ffmpeg, file, times, request.frameType, size, prefix, Number.isFinite(info.start) ? info.start : 0, options);
  if (sprite === undefined) return { times, size, shots, sprites: [] };

  const layout: SpriteLayout = { cell: size, columns: sprite.columns, lines: sprite.lines, padding: sprite.padding, margin: sprite.margin, color: sprite.color };
  const sheets = await composeSprites(shots.map((s) => join(options.outDir, s)), layout, (n) => join(options.outDir, `sprite-${String(n).padStart(5, '0')}.jpg`));
  const end = Number.isFinite(info.duration) ? info.duration : (times.at(-1) ?? 0) + 1;
  const vtt = thumbnailVtt(times.map((time, i) => {
    const { sheet, box } = cellAt(layout, i);
    return { start: time, end: Math.max(time, times[i + 1] ?? end), image: `sprite-${String(sheet + 1).padStart(5, '0')}.jpg`, box };
  }));
  await writeFile(join(options.outDir, 'index.vtt'), vtt);
  return { times, size, shots, sprites: sheets.map((f) => f.slice(options.outDir.length + 1)), vtt: 'index.vtt' };
}

/**
 * A pass decodes everything up to the last time; the look pass decodes a keyframe pass over the whole
 * video (the survey, which on a video with few keyframes samples it instead) and up to a GOP per shot. So
 * looking wins once a pass would decode more than this many seconds per shot, and a minute in all: under
 * that, the pass is cheap whatever the spacing (one shot at 12.5 s of a 14-s phone clip: the look took
 * 7.3 s, its survey sampling the whole clip).
 */
const SEEK_GAP_SECONDS = 10;
const SEEK_MIN_SECONDS = 60;

function seekable(times: readonly number[], frameType: FrameType): boolean {
  if (frameType !== 'normal' || times.length === 0) return false;
  const last = Math.max(...times);
  return last >= SEEK_MIN_SECONDS && last / times.length >= SEEK_GAP_SECONDS;
}

function shotName(prefix: string, i: number): string {
  return `${prefix}-${String(i + 1).padStart(5, '0')}.jpg`;
}

type ShotOptions = { outDir: string; signal?: AbortSignal | undefined };

/**
 * Stills at times far apart, decoded the way the frame picker's are (still-at.ts): the survey finds where
 * seeks can land, and the engine's look pass decodes a short window at each time (seeking, or from the
 * start when that is cheaper, and again from the start when a seek lands on a keyframe that is not a clean
 * entry point). Each time gets the first frame at or after it, written as a JPEG from the window's tee.
 */
async function lookShots(ffmpeg: FfmpegRunner, file: string, times: readonly number[], size: Size, prefix: string, options: ShotOptions & { limits: MediaLimits }): Promise<string[]> {
  const survey = await surveyVideo(ffmpeg, file, options.limits, options.signal);
  const frameSeconds = Number.isFinite(survey.info.fps) && survey.info.fps > 0 ? 1 / survey.info.fps : 0.5;
  const windows: TimeWindow[] = times.map((t, i) => ({
    start: t, duration: 2 * frameSeconds + TIME_SLACK, everyFrame: true,
    tee: { size, file: join(options.outDir, `look-${i}.raw`), pixelFormat: 'rgb24' },
  }));
  const looked = await lookAt(ffmpeg, survey.video, windows, survey.size, survey.info.display, options.signal);
  const names: string[] = [];
  for (const [i, t] of times.entries()) {
    const frames = looked[i] ?? [];
    if (frames.length === 0) throw new AppError('invalid_media', `No frame could be decoded at ${t} s.`);
    const k = Math.max(0, frames.findIndex((f) => f.time >= t - TIME_SLACK));
    const raw = await readFrame(windows[i]!.tee!.file, k, size);
    const name = shotName(prefix, i);
    await sharp(raw, { raw: { width: size.width, height: size.height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(options.outDir, name));
    await rm(windows[i]!.tee!.file, { force: true });
    names.push(name);
  }
  return names;
}

/** Frame `index` of a raw rgb24 file of frames of `size`. */
async function readFrame(file: string, index: number, size: Size): Promise<Buffer> {
  const bytes = size.width * size.height * 3;
  const handle = await open(file, 'r');
  try {
    const frame = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(frame, 0, bytes, index * bytes);
    if (bytesRead !== bytes) throw new AppError('internal', `frame ${index} of ${file} is missing`);
    return frame;
  } finally {
    await handle.close();
  }
}

/** One pass from the start to the last time (keyframes only for 'intra'); each time gets the first frame at or after it. */
async function passShots(ffmpeg: FfmpegRunner, file: string, times: readonly number[], frameType: FrameType, size: Size, prefix: string, start: number, options: ShotOptions): Promise<string[]> {
  const taken: number[] = [];
  await ffmpeg.ffmpeg(snapshotArgs(file, times, frameType, size, start, join(options.outDir, 'frame-%05d.jpg')), {
    signal: options.signal,
    onStderrLine: (line) => {
      const match = /\[Parsed_showinfo_\d+ @ [^\]]*\]\s*n:\s*\d+\s+pts:\s*\S+\s+pts_time:(\S+)/.exec(line);
      if (match !== null) taken.push(Number(match[1]));
    },
  });
  if (taken.length === 0) throw new AppError('invalid_media', 'No frame could be decoded at the times asked for.');
  // The last frame taken stands in for a time past every frame.
  const shots: string[] = [];
  for (const [i, time] of times.entries()) {
    let k = taken.findIndex((t) => t >= time + start - TIME_SLACK);
    if (k < 0) k = taken.length - 1;
    const name = shotName(prefix, i);
    await link(join(options.outDir, `frame-${String(k + 1).padStart(5, '0')}.jpg`), join(options.outDir, name));
    shots.push(name);
  }
  return shots;
}
