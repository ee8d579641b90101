import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, toAppError } from '../errors.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, scanArgs, type RenderJob, type ScanMode, type Size, type TimeWindow } from './ffmpeg-args.js';
import { singleTimes, streamFrames } from './frame-stream.js';
import { chooseGifSegments, GIF_FPS, gifWindow, nextRound, type GifCandidate } from './gif-segment.js';
import { coverFileName, type CoverEntry, type GifEntry, type Manifest, type StillEntry } from './manifest.js';
import { probeVideo, type VideoInfo } from './probe.js';
import { looksConcealed } from './quality.js';
import { better, nextMoments, refineFrom, refineWindow, type RefinedMoment } from './refine.js';
import { renderFromFrames } from './render.js';
import { lookAt } from './window.js';
import { gifScore, round, stillScore } from './score.js';
import { isDistinct, judgeSamples, pickMoments, type JudgedSample, type Pick, type Sample, type Selection } from './select.js';

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
const SPARE_PICKS = 3;
/** Containers with no index of frames: a seek lands by guesswork, and the first timestamps after it too. */
const INDEXLESS = /^(mpeg|mpegts|mpegvideo|h264|hevc|m4v|cavsvideo|vc1|dirac|h261|h263)$/;
const PREROLL_SECONDS = 1;

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
  let scanned = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), 'scanning keyframes'));
  // Where seeks can land, for the look pass (a keyframe the decoder lost only makes a window longer).
  const keyframes = scanned.samples.map((s) => s.time);
  if (needsTimedSampling(keyframes, info.duration)) {
    sampling = { kind: 'timed', fps: timedRate(info.duration) };
    scanned = await scan(ffmpeg, info, sampling, size, signal, (t) => progress(0.02 + 0.7 * fraction(t, info.duration), 'sampling frames'));
  }
  const { samples } = scanned;
  const duration = videoDuration(info, samples);
  // Previews are looked for where there is video to decode: in a file whose data stops early, before that.
  const gifSpan = scanned.stopsAt === undefined ? duration : Math.min(duration, scanned.stopsAt + 0.5);
  const { judged, reference } = judgeSamples(samples, duration);
  // Spare picks beyond the stills: stand-ins for a pick whose window turns out damaged, and more places
  // to look for a moving GIF segment.
  const selection = pickMoments(judged, Math.max(stills, gifs) + SPARE_PICKS);
  progress(0.75, 'refining');

  // The look pass: a refine window per still and the first GIF windows, decoded together.
  const picks = selection.picks.slice(0, stills);
  const spares = selection.picks.slice(stills);
  const animate = gifs > 0 && canAnimate(info, gifSpan);
  const gifQueue = animate ? gifCandidates(selection.picks) : [];
  const firstGifs = nextRound(gifQueue, gifs, [], gifSpan);
  let files = 0;
  const scratchFile = (kind: 'still' | 'gif') => join(scratch, `${kind}-${files++}.raw`);
  const damaged = [...scanned.damaged];
  const video = { file, codec: info.codec, keyframes, preroll: INDEXLESS.test(info.container) ? PREROLL_SECONDS : 0, start: info.start };
  const look = (windows: readonly TimeWindow[]) => lookAt(ffmpeg, video, windows, size, info.display, signal, (t) => damaged.push(t));
  const stillFiles = picks.map(() => scratchFile('still'));
  const gifFiles = firstGifs.map(() => scratchFile('gif'));
  const until = nextMoments(picks.map((p) => p.sample));
  const looked = await look([
    ...picks.map((p, k) => refineWindow(p.sample, info.display, stillFiles[k]!, until[k])),
    ...firstGifs.map((c, k) => gifWindow(c, gifSpan, gifSize, gifFiles[k]!)),
  ]);
  const moments = refineFrom(looked.slice(0, picks.length), stillFiles, reference);
  const chosen = await replaceFailures(picks, moments, spares, (samples) => {
    const files = samples.map(() => scratchFile('still'));
    const ends = nextMoments(samples, picks.map((p) => p.sample));
    return look(samples.map((s, k) => refineWindow(s, info.display, files[k]!, ends[k]))).then((frames) => refineFrom(frames, files, reference));
  });

  const segments = animate
    ? await chooseGifSegments(
        { round: firstGifs, frames: looked.slice(picks.length), files: gifFiles },
        gifQueue, gifs, gifSpan, reference,
        (round, files) => look(round.map((c, k) => gifWindow(c, gifSpan, gifSize, files[k]!))),
        () => scratchFile('gif'),
      )
    : [];

  progress(0.85, 'rendering');
  const ranked = chosen
    .map(({ pick, moment }) => ({ pick, moment, ...stillScore(moment.scores, pick.relevance, moment.stillness, moment.defects) }))
    .sort((a, b) => b.score - a.score);
  const gifRanked = segments.map((segment) => ({ segment, ...gifScore(segment.scores, segment.relevance, segment.motion) })).sort((a, b) => b.score - a.score);
  const stillNames = ranked.map((_, i) => coverFileName('png', i + 1));
  const gifNames = gifRanked.map((_, i) => coverFileName('gif', i + 1));
  const jobs: RenderJob[] = [
    ...gifRanked.map(({ segment }, i): RenderJob => ({
      kind: 'gif', fps: GIF_FPS, out: join(options.outDir, gifNames[i]!),
      frames: { file: segment.raw, size: gifSize, pixelFormat: 'rgb24', first: segment.first, count: segment.count },
    })),
    ...ranked.map(({ moment }, i): RenderJob => ({
      kind: 'png', out: join(options.outDir, stillNames[i]!), frames: { file: moment.frame.file, size: info.display, pixelFormat: 'yuv420p', first: moment.frame.index, count: 1 },
    })),
  ];
  const bytes = await renderFromFrames(ffmpeg, jobs, info.display, signal);

  const timeOf = (pick: Pick) => ranked.find((r) => r.pick === pick)?.moment.time;
  const covers: CoverEntry[] = ranked.map((entry, i): StillEntry => ({
    file: stillNames[i]!, format: 'png', score: entry.score, time: floorMs(entry.moment.time),
    width: info.display.width, height: info.display.height, bytes: bytes[gifRanked.length + i]!, subscores: entry.subscores,
    why: explainPick(entry.pick, selection.picks, timeOf),
    ...(entry.moment.defects.length > 0 ? { defects: [...entry.moment.defects] } : {}),
  }));
  covers.push(...gifRanked.map(({ segment, score, subscores }, i): GifEntry => ({
    file: gifNames[i]!, format: 'gif', score, time: floorMs(segment.start), duration: segment.duration,
    width: gifSize.width, height: gifSize.height, fps: GIF_FPS, bytes: bytes[i]!, subscores,
    ...(segment.crossesCut ? { crossesCut: true } : {}),
  })));
  progress(1, 'done');
  return {
    video: { duration: round(duration, 3), width: info.display.width, height: info.display.height, codec: info.codec, rotation: info.rotation },
    covers,
    analysis: {
      sampling: sampling.kind, framesAnalysed: samples.length, pool: selection.pool, rejected: selection.rejected,
      ...(ranked.length < stills ? { distinct: ranked.length, why: explainShortfall(ranked.length, selection, judged.length) } : {}),
      ...(damaged.length === 0 && scanned.stopsAt === undefined && scanned.reports === 0 ? {} : { damage: describeDamage(damaged, scanned.reports, scanned.stopsAt, info.duration) }),
    },
  };
}

interface ScanResult {
  readonly samples: Sample[];
  /** Times of the frames looked at that could not be decoded cleanly. */
  readonly damaged: readonly number[];
  /** Lines in which the decoder or demuxer reported broken data. */
  readonly reports: number;
  /** Where the video data stops short of the stated duration, when it does in a damaged file. */
  readonly stopsAt?: number | undefined;
}

/** The candidate pass: small frames through a pipe, features as they arrive, nothing else kept. */
async function scan(ffmpeg: FfmpegRunner, info: VideoInfo, mode: ScanMode, size: Size, signal: AbortSignal | undefined, onTime: (t: number) => void): Promise<ScanResult> {
  const features: Sample['features'][] = [];
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
  if (features.length === 0) throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (no frame could be read)`);
  const { times: raw, corrupt } = singleTimes(result);
  const times = fillTimes(raw, info.duration);
  // Decoders may hand keyframes over out of order (an open GOP decoded keyframes only): judge in time order.
  const samples = features
    .map((f, i): Sample => ({ time: times[i]!, features: f, corrupt: corrupt[i]! || looksConcealed(f, info.codec, result.damageReports > 0) }))
    .sort((a, b) => a.time - b.time);
  const broken = samples.filter((s) => s.corrupt === true);
  const stops = result.stderrTail.some((line) => /partial file/.test(line));
  const last = samples.at(-1)!.time;
  const of = Number.isFinite(info.duration) ? ` of ${info.duration.toFixed(1)} s` : '';
  // Data that simply stops, with nothing broken before, is an upload that did not finish: refused, as it
  // always was. Data that is broken in places (the decoder complained) is a damaged file, and its intact
  // parts still make covers.
  if (stops && broken.length === 0 && result.damageReports === 0) {
    throw new AppError('invalid_media', `${info.file}: the file is truncated (video data stops near ${last.toFixed(1)} s${of})`);
  }
  if (broken.length === samples.length) {
    throw new AppError('invalid_media', `${info.file}: the video stream cannot be decoded (every frame read was damaged)`);
  }
  return { samples, damaged: broken.map((s) => s.time), reports: result.damageReports, stopsAt: stops ? last : undefined };
}

/** What was wrong with a damaged file, in words. */
function describeDamage(times: readonly number[], reports: number, stopsAt: number | undefined, duration: number): string {
  const parts: string[] = [];
  if (times.length === 0 && reports > 0) parts.push(`the decoder reported broken data ${reports === 1 ? 'once' : `${reports} times`}`);
  if (times.length > 0) {
    const sorted = [...times].sort((a, b) => a - b);
    const where = sorted[0]!.toFixed(1) === sorted.at(-1)!.toFixed(1) ? `at ${sorted[0]!.toFixed(1)} s` : `between ${sorted[0]!.toFixed(1)} s and ${sorted.at(-1)!.toFixed(1)} s`;
    parts.push(`${times.length} frame${times.length === 1 ? '' : 's'} looked at ${where} could not be decoded cleanly`);
  }
  if (stopsAt !== undefined) parts.push(`its video data stops near ${stopsAt.toFixed(1)} s${Number.isFinite(duration) ? ` of ${duration.toFixed(1)} s` : ''}`);
  return `the file is damaged: ${parts.join(', and ')}; the covers come from the intact parts`;
}

/** The container's duration, unless frames were found past it (MPEG program streams often misstate it). */
function videoDuration(info: VideoInfo, samples: readonly Sample[]): number {
  const seen = samples.at(-1)?.time ?? 0;
  const frame = Number.isFinite(info.fps) && info.fps > 0 ? 1 / info.fps : 0.04;
  return Number.isFinite(info.duration) && info.duration >= seen ? info.duration : seen + frame;
}

/** Timestamps ffmpeg could not give (raw streams) are spread evenly between their neighbours. */
function fillTimes(times: readonly number[], duration: number): number[] {
  const step = Number.isFinite(duration) && times.length > 0 ? duration / times.length : 0.04;
  return times.map((t, i) => (Number.isFinite(t) ? Math.max(0, t) : i * step));
}

/**
 * Too few keyframes to choose from (one IDR, intra refresh, short clips), or keyframes that leave much of
 * the video unseen (a decoder that loses the keyframes of an open GOP when it gets only those): sample at
 * a fixed rate instead, which decodes everything but is the only way to see such a stream.
 */
export function needsTimedSampling(keyframeTimes: readonly number[], duration: number): boolean {
  // Twelve pictures to choose from, or ten a second in a clip too short for twelve.
  const wanted = Number.isFinite(duration) ? Math.min(12, Math.ceil(duration / 0.1)) : 12;
  if (keyframeTimes.length < wanted) return true;
  if (!Number.isFinite(duration)) return false;
  const edges = [0, ...keyframeTimes, duration];
  let gap = 0;
  for (let i = 1; i < edges.length; i++) gap = Math.max(gap, edges[i]! - edges[i - 1]!);
  return gap > Math.max(MAX_UNSEEN_SECONDS, duration * MAX_UNSEEN_SHARE);
}
/** The longest stretch without a keyframe that the keyframe pass accepts: ~a long GOP, or a quarter of the video. */
const MAX_UNSEEN_SECONDS = 20;
const MAX_UNSEEN_SHARE = 0.25;

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

/** A still that will be rendered: the pick and the frame its window gave. */
interface Chosen {
  readonly pick: Pick;
  readonly moment: RefinedMoment;
}

/**
 * A pick whose window gave no frame (nothing decodable there), only defective ones (a fade, damage), or
 * a frame that refining brought next to another still's (two windows that met on the same moment) gets,
 * in one more look pass, its look's next-best frame, or else a spare pick. Stillness alone is not reason
 * enough: sensor noise or film grain makes every frame differ a little from the next. Picks still without
 * a good frame of their own are dropped, never rendered from a guess.
 */
async function replaceFailures(
  picks: readonly Pick[], moments: readonly (RefinedMoment | undefined)[], spares: readonly Pick[],
  refine: (samples: readonly JudgedSample[]) => Promise<(RefinedMoment | undefined)[]>,
): Promise<Chosen[]> {
  const kept: Chosen[] = [];
  const failed: number[] = [];
  picks.forEach((pick, i) => {
    const moment = moments[i];
    if (moment === undefined || moment.defects.length > 0 || !apartFrom(kept, moment)) failed.push(i);
    else kept.push({ pick, moment });
  });
  if (failed.length === 0) return kept;
  const unused = [...spares];
  const keptSamples = [...kept.map((c) => c.pick.sample)];
  const retry = failed.flatMap((i): { i: number; pick: Pick; sample: JudgedSample | undefined }[] => {
    const alternative = picks[i]!.alternatives.find((a) => keptSamples.every((other) => isDistinct(other, a)));
    if (alternative !== undefined) return [{ i, pick: picks[i]!, sample: alternative }];
    const k = unused.findIndex((s) => keptSamples.every((other) => isDistinct(other, s.sample)));
    if (k < 0) return [{ i, pick: picks[i]!, sample: undefined }];
    const [spare] = unused.splice(k, 1);
    keptSamples.push(spare!.sample);
    return [{ i, pick: spare!, sample: spare!.sample }];
  });
  const asked = retry.filter((r) => r.sample !== undefined);
  const second = asked.length > 0 ? await refine(asked.map((r) => r.sample!)) : [];
  for (const r of retry) {
    const k = asked.indexOf(r);
    const first = moments[r.i];
    const usableFirst = first !== undefined && apartFrom(kept, first) ? first : undefined;
    const replacement = k >= 0 && second[k] !== undefined && apartFrom(kept, second[k]!) ? second[k] : undefined;
    const best = better(usableFirst, replacement);
    // A defective frame stays only when it is all this moment has (a dark video's covers say so).
    if (best !== undefined) kept.push({ pick: best === usableFirst ? picks[r.i]! : r.pick, moment: best });
  }
  return kept;
}

/** A refined frame is a different picture from every still kept so far. */
function apartFrom(kept: readonly Chosen[], moment: RefinedMoment): boolean {
  return kept.every((c) => isDistinct(c.moment, moment));
}

/** Why a still was chosen over its neighbours, in words (see PickReason). */
function explainPick(pick: Pick, all: readonly Pick[], timeOf: (pick: Pick) => number | undefined): string {
  const reason = pick.reason;
  if (reason.kind === 'best') return 'the best frame of the look that covers most of the video';
  if (reason.kind === 'shot') return 'a different shot';
  const other = all[reason.near];
  const at = other === undefined ? undefined : timeOf(other);
  const where = at === undefined ? 'another still' : `the still at ${at.toFixed(1)} s`;
  return reason.kind === 'look'
    ? `a different view within the same shot as ${where}`
    : `a different moment of the same shot as ${where}, that looks different`;
}

/** Why there are fewer stills than asked, in words a user understands. */
function explainShortfall(found: number, selection: Selection, frames: number): string {
  const pictures = `${found} distinct picture${found === 1 ? '' : 's'}`;
  const are = found === 1 ? 'is' : 'are';
  const rejected = Object.entries(selection.rejected).filter(([kind, n]) => n > 0 && kind !== 'trimmed').map(([kind]) => kind.replace('_', ' '));
  if (selection.pool === 'relaxed') return `nothing in the video passed the quality filters (${rejected.join(', ')}): it shows only ${pictures}`;
  const filtered = rejected.length > 0 ? ` that ${are} not ${rejected.join(' or ')}` : '';
  return `the video shows only ${pictures}${filtered} in the ${frames} frames looked at`;
}

function floorMs(seconds: number): number {
  // Floored, not rounded: the still is the first frame a player shows at or after this time.
  return Math.floor(Math.max(0, seconds) * 1000 + 1e-6) / 1000;
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
