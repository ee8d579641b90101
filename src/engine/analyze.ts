import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, toAppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, scanArgs, type RenderJob, type ScanMode, type Size } from './ffmpeg-args.js';
import { singleTimes, streamFrames } from './frame-stream.js';
import { chooseGifSegments, GIF_FPS, gifWindow, nextRound, type GifCandidate } from './gif-segment.js';
import { coverFileName, type CoverEntry, type GifEntry, type Manifest, type StillEntry } from './manifest.js';
import { probeVideo, type VideoInfo } from './probe.js';
import type { VideoReference } from './quality.js';
import { better, fromSample, refineFrom, refineWindow, type RefinedMoment } from './refine.js';
import { renderFromFrames, renderStills } from './render.js';
import { readWindows } from './window.js';
import { gifScore, round, stillScore } from './score.js';
import { judgeSamples, pickMoments, type Pick, type Sample } from './select.js';

export interface AnalyzeOptions {
  /** Number of PNG stills (default 5, VOD's number). */
  readonly stills?: number | undefined;
  /** Number of GIF previews (default 1). */
  readonly gifs?: number | undefined;
  /** An existing directory the cover files are written into. */
  readonly outDir: string;
  readonly signal?: AbortSignal | undefined;
  /** Progress, 0..1, with a short label of the stage. */
  readonly onProgress?: ((fraction: number, stage: string) => void) | undefined;
}

/** Frames are analysed at most this size: ~1.3 ms of TypeScript per frame, and decoding dominates. */
const ANALYSIS_BOX = 320;
/** Longest side of a GIF preview (Mux allows 640; 480 keeps files small and is plenty in a grid). */
const GIF_BOX = 480;
const GIF_SPARE_CANDIDATES = 3;

/**
 * The whole engine for one video, in five ffmpeg runs at most: probe; one keyframe pass (timed sampling
 * when keyframes are too few); one "look" pass that decodes a short window after each pick (to refine it)
 * and a GIF window, teeing those frames at full and GIF size to scratch files; then one render pass that
 * encodes every PNG and GIF from those frames without decoding again. Files are named by rank; a caller
 * that wants all-or-nothing output writes into a fresh directory and moves it into place (as the CLI does).
 */
export async function analyzeVideo(ffmpeg: FfmpegRunner, file: string, options: AnalyzeOptions): Promise<Manifest> {
  const scratch = await mkdtemp(join(tmpdir(), 'smartcover-'));
  try {
    return await analyzeIn(scratch, ffmpeg, file, options);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function analyzeIn(scratch: string, ffmpeg: FfmpegRunner, file: string, options: AnalyzeOptions): Promise<Manifest> {
  const stills = options.stills ?? 5;
  const gifs = options.gifs ?? 1;
  const progress = options.onProgress ?? (() => {});
  const signal = options.signal;

  progress(0, 'probing');
  const info = await probeVideo(ffmpeg, file, signal);
  const size = fitInside(info.display, ANALYSIS_BOX, ANALYSIS_BOX);
  const gifSize = fitInside(info.display, GIF_BOX, GIF_BOX);

  let sampling: ScanMode = { kind: 'keyframes' };
  let samples = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), 'scanning keyframes'));
  if (needsTimedSampling(samples.length, info.duration)) {
    sampling = { kind: 'timed', fps: timedRate(info.duration) };
    samples = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), 'sampling frames'));
  }
  const duration = Number.isFinite(info.duration) ? info.duration : (samples.at(-1)?.time ?? 0);
  const { judged, reference } = judgeSamples(samples, duration);
  // A few spare picks beyond the stills: more places to look for a moving GIF segment.
  const selection = pickMoments(judged, Math.max(stills, gifs) + GIF_SPARE_CANDIDATES);
  const picks = selection.picks.slice(0, stills);
  progress(0.75, 'refining');

  // The look pass: refine windows (keyframe sampling only) and the first GIF windows, decoded together.
  const animate = gifs > 0 && canAnimate(info, duration);
  const gifQueue = animate ? gifCandidates(selection.picks) : [];
  const firstGifs = nextRound(gifQueue, gifs, [], duration);
  const gifFile = (n: number) => join(scratch, `gif-${n}.rgb`);
  const stillFile = (n: number) => join(scratch, `still-${n}.rgb`);
  const refining = sampling.kind === 'keyframes' ? picks : [];
  const windows = [
    ...refining.map((p, k) => refineWindow(p.sample, info.display, stillFile(k))),
    ...firstGifs.map((c, k) => gifWindow(c, duration, gifSize, gifFile(k))),
  ];
  const looked = windows.length > 0 ? await readWindows(ffmpeg, file, windows, size, info.display, signal) : [];
  let moments = refining.length > 0
    ? refineFrom(looked.slice(0, refining.length), refining.map((p) => p.sample), refining.map((_, k) => stillFile(k)), reference)
    : picks.map((p) => fromSample(p.sample));
  moments = await retryDefective(ffmpeg, info, refining, moments, size, reference, (k) => stillFile(refining.length + k), signal);

  const segments = animate
    ? await chooseGifSegments(
        { round: firstGifs, frames: looked.slice(refining.length), files: firstGifs.map((_, k) => gifFile(k)) },
        gifQueue, gifs, duration, reference,
        (round, files) => readWindows(ffmpeg, file, round.map((c, k) => gifWindow(c, duration, gifSize, files[k]!)), size, info.display, signal),
        gifFile,
      )
    : [];

  progress(0.85, 'rendering');
  const ranked = picks
    .map((pick, i) => ({ moment: moments[i]!, ...stillScore(moments[i]!.scores, pick.relevance, moments[i]!.stillness, moments[i]!.defects) }))
    .sort((a, b) => b.score - a.score);
  const gifRanked = segments.map((segment) => ({ segment, ...gifScore(segment.scores, segment.relevance, segment.motion) })).sort((a, b) => b.score - a.score);
  const stillNames = ranked.map((_, i) => coverFileName('png', i + 1));
  const gifNames = gifRanked.map((_, i) => coverFileName('gif', i + 1));
  const jobs: RenderJob[] = gifRanked.map(({ segment }, i) => ({
    kind: 'gif', fps: GIF_FPS, out: join(options.outDir, gifNames[i]!),
    frames: { file: segment.raw, size: gifSize, pixelFormat: 'rgb24', first: segment.first, count: segment.count },
  }));
  const decoded = ranked.flatMap((r, i) => (r.moment.frame === undefined ? [] : [{ i, frame: r.moment.frame }]));
  jobs.push(...decoded.map(({ i, frame }): RenderJob => ({
    kind: 'png', out: join(options.outDir, stillNames[i]!), frames: { file: frame.file, size: info.display, pixelFormat: 'yuv420p', first: frame.index, count: 1 },
  })));
  const rendered = await renderFromFrames(ffmpeg, jobs, info.display, signal);
  const stillBytes = new Map<number, number>(decoded.map(({ i }, k) => [i, rendered[gifRanked.length + k]!]));
  const seekable = ranked.flatMap((r, i) => (r.moment.frame === undefined ? [{ i, time: r.moment.time }] : []));
  if (seekable.length > 0) {
    const squareUpright = info.display.width === info.coded.width && info.display.height === info.coded.height;
    const bytes = await renderStills(ffmpeg, file, seekable.map((s) => ({ time: s.time, out: join(options.outDir, stillNames[s.i]!) })), info.display, !squareUpright, signal);
    seekable.forEach((s, k) => stillBytes.set(s.i, bytes[k]!));
  }

  const covers: CoverEntry[] = ranked.map((entry, i): StillEntry => ({
    file: stillNames[i]!, format: 'png', score: entry.score, time: round(entry.moment.time, 3),
    width: info.display.width, height: info.display.height, bytes: stillBytes.get(i)!, subscores: entry.subscores,
    ...(entry.moment.defects.length > 0 ? { defects: [...entry.moment.defects] } : {}),
  }));
  covers.push(...gifRanked.map(({ segment, score, subscores }, i): GifEntry => ({
    file: gifNames[i]!, format: 'gif', score, time: round(segment.start, 3), duration: segment.duration,
    width: gifSize.width, height: gifSize.height, fps: GIF_FPS, bytes: rendered[i]!, subscores,
  })));
  progress(1, 'done');
  return {
    video: { duration: round(duration, 3), width: info.display.width, height: info.display.height, codec: info.codec, rotation: info.rotation },
    covers,
    analysis: { sampling: sampling.kind, framesAnalysed: samples.length, pool: selection.pool, rejected: selection.rejected },
  };
}

/** The candidate pass: small frames through a pipe, features as they arrive, nothing else kept. */
async function scan(ffmpeg: FfmpegRunner, info: VideoInfo, mode: ScanMode, size: Size, signal: AbortSignal | undefined, onTime: (t: number) => void): Promise<Sample[]> {
  const features: Sample['features'][] = [];
  let truncated = false;
  let result;
  try {
    result = await streamFrames(ffmpeg, scanArgs(info.file, mode, size), size, {
      signal,
      timeoutMs: scanTimeout(info.duration),
      onFrame: ({ features: f }) => features.push(f),
      onTime,
    });
  } catch (error) {
    const app = toAppError(error);
    if (app.kind === 'aborted' || app.kind === 'unavailable' || features.length > 0) throw app;
    throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (${app.message.replace(/^ffmpeg failed: /, '')})`, { cause: app });
  }
  truncated = result.stderrTail.some((line) => /partial file/.test(line));
  if (features.length === 0) throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (no frame could be read)`);
  const times = fillTimes(singleTimes(result), info.duration);
  if (truncated) {
    const last = times.at(-1) ?? 0;
    throw new AppError('invalid_media', `${info.file}: the file is truncated (video data stops near ${last.toFixed(1)} s${Number.isFinite(info.duration) ? ` of ${info.duration.toFixed(1)} s` : ''})`);
  }
  return features.map((f, i) => ({ time: times[i]!, features: f }));
}

/** Timestamps ffmpeg could not give (raw streams) are spread evenly between their neighbours. */
function fillTimes(times: readonly number[], duration: number): number[] {
  const step = Number.isFinite(duration) && times.length > 0 ? duration / times.length : 0.04;
  return times.map((t, i) => (Number.isFinite(t) ? Math.max(0, t) : i * step));
}

/**
 * Too few keyframes to choose from (one IDR, intra refresh, short clips): sample at a fixed rate instead,
 * which decodes everything but is the only way to see such a stream.
 */
export function needsTimedSampling(keyframes: number, duration: number): boolean {
  const wanted = Number.isFinite(duration) ? Math.min(12, Math.ceil(duration / 0.5)) : 12;
  return keyframes < wanted;
}

/** About a hundred frames across the video, between 0.2 and 10 a second. */
export function timedRate(duration: number): number {
  if (!Number.isFinite(duration) || duration <= 0) return 2;
  return Math.min(10, Math.max(0.2, 100 / duration));
}

function scanTimeout(duration: number): number {
  // Generous: a full decode of 4K runs at a few times real time on one core.
  return Number.isFinite(duration) ? Math.max(120_000, duration * 4_000) : 6 * 3600_000;
}

function fraction(t: number, duration: number): number {
  return Number.isFinite(duration) && duration > 0 ? Math.min(1, Math.max(0, t / duration)) : 0;
}

/**
 * A pick whose whole window held only faded or otherwise defective frames gets its cluster's next-best
 * frame a chance, in one more look pass. Stillness alone is not reason enough: sensor noise or film grain
 * makes every frame differ a little from the next.
 */
async function retryDefective(
  ffmpeg: FfmpegRunner, info: VideoInfo, picks: readonly Pick[], moments: RefinedMoment[], size: Size, reference: VideoReference,
  fileFor: (k: number) => string, signal?: AbortSignal,
): Promise<RefinedMoment[]> {
  const retry = picks.flatMap((pick, i) => {
    const alternative = pick.alternatives[0];
    return moments[i]!.defects.length > 0 && alternative !== undefined ? [{ i, alternative }] : [];
  });
  if (retry.length === 0) return moments;
  const windows = retry.map((r, k) => refineWindow(r.alternative, info.display, fileFor(k)));
  const frames = await readWindows(ffmpeg, info.file, windows, size, info.display, signal);
  const second = refineFrom(frames, retry.map((r) => r.alternative), retry.map((_, k) => fileFor(k)), reference);
  const result = [...moments];
  retry.forEach((r, k) => (result[r.i] = better(moments[r.i]!, second[k]!)));
  return result;
}

/** GIF candidates, most promising first: relevant looks that move (judged from the keyframes around them). */
function gifCandidates(picks: readonly Pick[]): GifCandidate[] {
  const liveliness = (p: Pick) => p.relevance * (0.5 + Math.min(1, (1 - p.sample.stillness) / 0.5));
  return [...picks].sort((a, b) => liveliness(b) - liveliness(a)).map((p) => ({ time: p.sample.time, relevance: p.relevance }));
}

/** A GIF needs at least two frames and half a second to be anything but a still. */
function canAnimate(info: VideoInfo, duration: number): boolean {
  return duration >= 0.5 && !(info.frames === 1);
}
