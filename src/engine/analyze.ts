import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, toAppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, scanArgs, type ScanMode, type Size } from './ffmpeg-args.js';
import { singleTimes, streamFrames } from './frame-stream.js';
import { chooseGifSegments, GIF_FPS, type GifSegment } from './gif-segment.js';
import { coverFileName, type CoverEntry, type GifEntry, type Manifest, type StillEntry } from './manifest.js';
import { probeVideo, type VideoInfo } from './probe.js';
import type { VideoReference } from './quality.js';
import { better, fromSample, refineMoments, type RefinedMoment } from './refine.js';
import { renderGif, renderStills } from './render.js';
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
 * The whole engine for one video: probe, one keyframe pass (timed sampling when keyframes are too few),
 * judge and pick, refine each pick in a short window, render PNGs and GIFs into `outDir`, and return the
 * manifest. Files are named by rank; a caller that wants all-or-nothing output writes into a fresh
 * directory and moves it into place (as the CLI does).
 */
export async function analyzeVideo(ffmpeg: FfmpegRunner, file: string, options: AnalyzeOptions): Promise<Manifest> {
  const stills = options.stills ?? 5;
  const gifs = options.gifs ?? 1;
  const progress = options.onProgress ?? (() => {});
  const signal = options.signal;

  progress(0, 'probing');
  const info = await probeVideo(ffmpeg, file, signal);
  const size = fitInside(info.display, ANALYSIS_BOX, ANALYSIS_BOX);

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
  progress(0.75, 'refining');

  const picks = selection.picks.slice(0, Math.max(stills, gifs));
  const moments = sampling.kind === 'keyframes' ? await refine(ffmpeg, info, picks, size, reference, signal) : picks.map((p) => fromSample(p.sample));
  const refined = picks.map((pick, i) => ({ pick, moment: moments[i]! }));

  const ranked = refined
    .slice(0, stills)
    .map(({ pick, moment }) => ({ moment, ...stillScore(moment.scores, pick.relevance, moment.stillness, moment.defects) }))
    .sort((a, b) => b.score - a.score);
  progress(0.85, 'rendering stills');
  const names = ranked.map((_, i) => coverFileName('png', i + 1));
  const squareUpright = info.display.width === info.coded.width && info.display.height === info.coded.height;
  const bytes = await renderStills(ffmpeg, file, ranked.map((r, i) => ({ time: r.moment.time, out: join(options.outDir, names[i]!) })), info.display, !squareUpright, signal);
  const covers: CoverEntry[] = ranked.map((entry, i): StillEntry => ({
    file: names[i]!, format: 'png', score: entry.score, time: round(entry.moment.time, 3),
    width: info.display.width, height: info.display.height, bytes: bytes[i]!, subscores: entry.subscores,
    ...(entry.moment.defects.length > 0 ? { defects: [...entry.moment.defects] } : {}),
  }));

  if (gifs > 0 && canAnimate(info, duration)) {
    progress(0.92, 'rendering previews');
    const spare = selection.picks.slice(picks.length).map((pick) => ({ pick, moment: fromSample(pick.sample) }));
    covers.push(...(await makeGifs(ffmpeg, info, duration, [...refined, ...spare], gifs, size, reference, options.outDir, signal)));
  }
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
 * Refines every pick in one batch; a pick whose window turns out to hold only faded or otherwise defective
 * frames gets its cluster's next-best frame a chance in a second batch.
 */
async function refine(ffmpeg: FfmpegRunner, info: VideoInfo, picks: readonly Pick[], size: Size, reference: VideoReference, signal?: AbortSignal): Promise<RefinedMoment[]> {
  const first = await refineMoments(ffmpeg, info.file, picks.map((p) => p.sample), size, info.display, reference, signal);
  const retry = picks.flatMap((pick, i) => {
    const alternative = pick.alternatives[0];
    // Only a window with a defect (a fade, a flash) is worth a second look: stillness alone is not, as sensor
    // noise or film grain makes every frame differ a little from the next.
    return first[i]!.defects.length > 0 && alternative !== undefined ? [{ i, alternative }] : [];
  });
  if (retry.length === 0) return first;
  const second = await refineMoments(ffmpeg, info.file, retry.map((r) => r.alternative), size, info.display, reference, signal);
  const result = [...first];
  retry.forEach((r, k) => (result[r.i] = better(first[r.i]!, second[k]!)));
  return result;
}

/** A GIF needs at least two frames and half a second to be anything but a still. */
function canAnimate(info: VideoInfo, duration: number): boolean {
  return duration >= 0.5 && !(info.frames === 1);
}

async function makeGifs(
  ffmpeg: FfmpegRunner, info: VideoInfo, duration: number, refined: readonly { pick: Pick; moment: RefinedMoment }[],
  count: number, size: Size, reference: VideoReference, outDir: string, signal?: AbortSignal,
): Promise<GifEntry[]> {
  // Frames decoded at GIF size wait here for the encoder; nothing of it outlives this call.
  const scratch = await mkdtemp(join(tmpdir(), 'smartcover-gif-'));
  try {
    return await makeGifsIn(scratch, ffmpeg, info, duration, refined, count, size, reference, outDir, signal);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function makeGifsIn(
  scratch: string, ffmpeg: FfmpegRunner, info: VideoInfo, duration: number, refined: readonly { pick: Pick; moment: RefinedMoment }[],
  count: number, size: Size, reference: VideoReference, outDir: string, signal?: AbortSignal,
): Promise<GifEntry[]> {
  // Moving, relevant shots first: they make the liveliest previews.
  const candidates = [...refined]
    .sort((a, b) => b.pick.relevance * (0.5 + Math.min(1, b.moment.motion / 0.02)) - a.pick.relevance * (0.5 + Math.min(1, a.moment.motion / 0.02)))
    .map(({ pick, moment }) => ({ time: Math.min(pick.sample.time, moment.time), relevance: pick.relevance }));
  if (candidates.length === 0) candidates.push({ time: 0, relevance: 1 });
  const gifSize = fitInside(info.display, GIF_BOX, GIF_BOX);
  const segments = await chooseGifSegments(ffmpeg, info.file, candidates, count, duration, { analysis: size, gif: gifSize, source: info.display }, reference, scratch, signal);
  const scored = segments.map((segment: GifSegment) => ({ segment, ...gifScore(segment.scores, segment.relevance, segment.motion) })).sort((a, b) => b.score - a.score);
  const entries: GifEntry[] = [];
  for (const [i, { segment, score, subscores }] of scored.entries()) {
    const name = coverFileName('gif', i + 1);
    const bytes = await renderGif(ffmpeg, { raw: segment.raw, size: gifSize, fps: GIF_FPS, first: segment.first, count: segment.count }, join(outDir, name), signal);
    entries.push({
      file: name, format: 'gif', score, time: round(segment.start, 3), duration: segment.duration,
      width: gifSize.width, height: gifSize.height, fps: GIF_FPS, bytes, subscores,
    });
  }
  return entries;
}
