import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, type RenderJob, type TimeWindow } from './ffmpeg-args.js';
import { describeDamage, explainPick, explainShortfall } from './explain.js';
import { chooseGifSegments, GIF_FPS, gifWindow, nextRound, type GifCandidate } from './gif-segment.js';
import { coverFileName, coverTime, type CoverEntry, type GifEntry, type Manifest, type StillEntry } from './manifest.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './media-limits.js';
import type { VideoInfo } from './probe.js';
import { rankByPicture, rankBySubjects, stillFrame } from './rank-stills.js';
import { nextMoments, refineFrom, refineWindow } from './refine.js';
import { renderFromFrames } from './render.js';
import { replaceFailures } from './replace-failures.js';
import { gifScore, round } from './score.js';
import { pickMoments, type Pick } from './select.js';
import type { SubjectModels } from './subjects/port.js';
import { STAGE_LABELS } from './stages.js';
import { surveyVideo } from './survey.js';
import { lookAt } from './window.js';
import { blurhashOf } from '../images/blurhash-of.js';

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
  /** The face and text models; without them the engine ranks on picture quality and relevance alone. */
  readonly subjects?: SubjectModels | undefined;
  /** What the engine accepts (default DEFAULT_MEDIA_LIMITS): a video past them is refused before decoding. */
  readonly limits?: MediaLimits | undefined;
}

/** Longest side of a GIF preview (Mux allows 640; 480 keeps files small and is plenty in a grid). */
const GIF_BOX = 480;
const SPARE_PICKS = 3;
/**
 * With subjects, this many candidates beyond the stills are refined and shown to the models, and the
 * stills chosen among them: room for a face shot the heuristics ranked lower to win. Each costs ~0.25 CPU-s
 * of decoding and ~0.12 of models (measured on 1080p, see BENCHMARKS.md), which is what bounds them.
 */
const EXTRA_CANDIDATES = 2;

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

  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  const { info, size, cover, sampling, scanned, duration, judged, reference, video } = await surveyVideo(ffmpeg, file, limits, signal, progress);
  const gifSize = fitInside(info.display, GIF_BOX, GIF_BOX);
  const { samples } = scanned;
  // Previews are looked for where there is video to decode: in a file whose data stops early, before that.
  const gifSpan = scanned.stopsAt === undefined ? duration : Math.min(duration, scanned.stopsAt + 0.5);
  // With subjects, more candidates than stills are refined and shown to the models. Spare picks beyond
  // them: stand-ins for a pick whose window turns out damaged, and more places to look for a moving GIF.
  const subjects = stills > 0 ? options.subjects : undefined;
  const candidates = subjects === undefined ? stills : stills + EXTRA_CANDIDATES;
  const selection = pickMoments(judged, Math.max(candidates, gifs) + SPARE_PICKS);
  progress(0.75, STAGE_LABELS.refine);

  // The look pass: a refine window per candidate and the first GIF windows, decoded together.
  const picks = selection.picks.slice(0, candidates);
  const spares = selection.picks.slice(candidates);
  const animate = gifs > 0 && canAnimate(info, gifSpan);
  const gifQueue = animate ? gifCandidates(selection.picks) : [];
  const firstGifs = nextRound(gifQueue, gifs, [], gifSpan);
  let files = 0;
  const scratchFile = (kind: 'still' | 'gif') => join(scratch, `${kind}-${files++}.raw`);
  const damaged = [...scanned.damaged];
  const look = (windows: readonly TimeWindow[]) => lookAt(ffmpeg, video, windows, size, info.display, signal, (t) => damaged.push(t));
  const stillFiles = picks.map(() => scratchFile('still'));
  const gifFiles = firstGifs.map(() => scratchFile('gif'));
  const until = nextMoments(picks.map((p) => p.sample));
  const looked = await look([
    ...picks.map((p, k) => refineWindow(p.sample, cover, stillFiles[k]!, until[k])),
    ...firstGifs.map((c, k) => gifWindow(c, gifSpan, gifSize, gifFiles[k]!)),
  ]);
  const moments = refineFrom(looked.slice(0, picks.length), stillFiles, reference);
  const chosen = await replaceFailures(picks, moments, spares, (samples) => {
    const files = samples.map(() => scratchFile('still'));
    const ends = nextMoments(samples, picks.map((p) => p.sample));
    return look(samples.map((s, k) => refineWindow(s, cover, files[k]!, ends[k]))).then((frames) => refineFrom(frames, files, reference));
  });

  const segments = animate
    ? await chooseGifSegments(
        { round: firstGifs, frames: looked.slice(picks.length), files: gifFiles },
        gifQueue, gifs, gifSpan, reference,
        (round, files) => look(round.map((c, k) => gifWindow(c, gifSpan, gifSize, files[k]!))),
        () => scratchFile('gif'),
      )
    : [];

  if (subjects !== undefined) progress(0.8, STAGE_LABELS.subjects);
  const ranked = subjects === undefined
    ? rankByPicture(chosen)
    : await rankBySubjects(ffmpeg, subjects, chosen, { display: cover, reference, stills, scratch, signal });
  progress(0.85, STAGE_LABELS.render);
  const gifRanked = segments.map((segment) => ({ segment, ...gifScore(segment.scores, segment.relevance, segment.motion) })).sort((a, b) => b.score - a.score);
  const stillNames = ranked.map((_, i) => coverFileName('png', i + 1));
  const gifNames = gifRanked.map((_, i) => coverFileName('gif', i + 1));
  const jobs: RenderJob[] = [
    ...gifRanked.map(({ segment }, i): RenderJob => ({
      kind: 'gif', fps: GIF_FPS, out: join(options.outDir, gifNames[i]!),
      frames: { file: segment.raw, size: gifSize, pixelFormat: 'rgb24', first: segment.first, count: segment.count },
    })),
    ...ranked.map(({ moment }, i): RenderJob => ({ kind: 'png', out: join(options.outDir, stillNames[i]!), frames: stillFrame(moment, cover) })),
  ];
  const bytes = await renderFromFrames(ffmpeg, jobs, cover, signal);
  const hashes = await Promise.all(jobs.map((job) => blurhashOf(job.out)));

  const timeOf = (pick: Pick) => ranked.find((r) => r.pick === pick)?.moment.time;
  const covers: CoverEntry[] = ranked.map((entry, i): StillEntry => ({
    file: stillNames[i]!, format: 'png', score: entry.score, time: coverTime(entry.moment.time),
    width: cover.width, height: cover.height, bytes: bytes[gifRanked.length + i]!, subscores: entry.subscores,
    why: explainPick(entry.pick, selection.picks, timeOf),
    ...(entry.moment.defects.length > 0 ? { defects: [...entry.moment.defects] } : {}),
    ...(entry.subjects === undefined ? {} : { subjects: entry.subjects }),
    blurhash: hashes[gifRanked.length + i]!,
  }));
  covers.push(...gifRanked.map(({ segment, score, subscores }, i): GifEntry => ({
    file: gifNames[i]!, format: 'gif', score, time: coverTime(segment.start), duration: segment.duration,
    width: gifSize.width, height: gifSize.height, fps: GIF_FPS, bytes: bytes[i]!, subscores,
    ...(segment.crossesCut ? { crossesCut: true } : {}),
    blurhash: hashes[i]!,
  })));
  progress(1, STAGE_LABELS.done);
  return {
    video: { duration: round(duration, 3), width: info.display.width, height: info.display.height, codec: info.codec, rotation: info.rotation },
    covers,
    analysis: {
      sampling: sampling.kind, framesAnalysed: samples.length, pool: selection.pool, rejected: selection.rejected,
      ...(ranked.length < stills ? { distinct: ranked.length, why: explainShortfall(ranked.length, selection, judged.length) } : {}),
      ...(damaged.length === 0 && scanned.stopsAt === undefined && scanned.reports === 0 ? {} : { damage: describeDamage(damaged, scanned.reports, scanned.stopsAt, info.duration) }),
      ...(subjects === undefined ? {} : { subjectsExamined: chosen.length }),
    },
  };
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


