import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { blurhashOf } from '../images/blurhash-of.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { coverFileName, coverTime, type Manifest, type StillEntry } from './manifest.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './media-limits.js';
import { rankByPicture, rankBySubjects, stillFrame } from './rank-stills.js';
import { judgeFrame, type RefinedMoment } from './refine.js';
import { renderFromFrames } from './render.js';
import { round } from './score.js';
import { relevanceOfFrame, type Pick } from './select.js';
import type { SubjectModels } from './subjects/port.js';
import { surveyVideo } from './survey.js';
import { lookAt } from './window.js';

export interface StillAtOptions {
  /** An existing directory the still is written into (as cover-00001.png). */
  readonly outDir: string;
  readonly signal?: AbortSignal | undefined;
  readonly subjects?: SubjectModels | undefined;
  readonly limits?: MediaLimits | undefined;
}

/** Frames decoded on each side of the time asked for: enough to judge stillness and a fade. */
const AROUND_SECONDS = 0.25;
/** A time this close to a frame's timestamp is that frame (times come from a browser as doubles). */
const TIME_SLACK = 0.0005;

/**
 * One still of the frame a player shows at `time` (the last frame whose timestamp is at or before it),
 * chosen by hand in the console's frame picker. It is rendered at cover size like the engine's own stills
 * and scored the same way: quality against this video's own reference (so the keyframe pass runs), the
 * relevance of the look it belongs to, stillness from the frames around it, and faces and text when the
 * models are on. A defect is reported, not refused: the person chose this frame.
 */
export async function stillAt(ffmpeg: FfmpegRunner, file: string, time: number, options: StillAtOptions): Promise<Manifest> {
  const scratch = await mkdtemp(join(tmpdir(), 'smartcover-still-'));
  try {
    return await stillIn(scratch, ffmpeg, file, time, options);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function stillIn(scratch: string, ffmpeg: FfmpegRunner, file: string, time: number, options: StillAtOptions): Promise<Manifest> {
  const { signal } = options;
  const survey = await surveyVideo(ffmpeg, file, options.limits ?? DEFAULT_MEDIA_LIMITS, signal);
  const { info, size, cover, duration, judged, reference } = survey;
  if (!(time >= 0) || (Number.isFinite(duration) && time > duration + TIME_SLACK)) {
    throw new AppError('invalid_argument', `The time ${time} s is outside the video (0 to ${round(duration, 3)} s).`, { details: { reason: 'time' } });
  }
  const raw = join(scratch, 'still.raw');
  const start = Math.max(0, time - AROUND_SECONDS);
  const [frames = []] = await lookAt(ffmpeg, survey.video, [{ start, duration: time - start + AROUND_SECONDS, everyFrame: true, tee: { size: cover, file: raw, pixelFormat: 'yuv420p' } }], size, info.display, signal);
  if (frames.length === 0) throw new AppError('invalid_media', `No frame could be decoded at ${time} s.`);
  const shown = frames.reduce((at, f, i) => (f.time <= time + TIME_SLACK ? i : at), 0);
  const judgedFrame = judgeFrame(frames, shown, reference);
  const motion = frames.reduce((sum, f) => sum + f.change, 0) / Math.max(1, frames.length - 1);
  const moment: RefinedMoment = { ...judgedFrame, motion, frame: { file: raw, index: shown } };
  const before = judged.filter((s) => s.time <= moment.time + TIME_SLACK).at(-1) ?? judged[0];
  const pick: Pick = {
    sample: {
      time: moment.time, features: moment.features, index: before?.index ?? 0, scores: moment.scores, defects: moment.defects, coverage: 0,
      shot: before?.shot ?? 0, stillness: moment.stillness, trimmed: false,
    },
    relevance: relevanceOfFrame(judged, { time: moment.time, features: moment.features }),
    alternatives: [],
    reason: { kind: 'best' },
  };
  const chosen = [{ pick, moment }];
  const [ranked] = options.subjects === undefined
    ? rankByPicture(chosen)
    : await rankBySubjects(ffmpeg, options.subjects, chosen, { display: cover, reference, stills: 1, scratch, signal });
  const name = coverFileName('png', 1);
  const [bytes] = await renderFromFrames(ffmpeg, [{ kind: 'png', out: join(options.outDir, name), frames: stillFrame(moment, cover) }], cover, signal);
  const entry: StillEntry = {
    file: name, format: 'png', score: ranked!.score, time: coverTime(moment.time),
    width: cover.width, height: cover.height, bytes: bytes!, subscores: ranked!.subscores, why: 'chosen by hand in the frame picker',
    ...(moment.defects.length > 0 ? { defects: [...moment.defects] } : {}),
    ...(ranked!.subjects === undefined ? {} : { subjects: ranked!.subjects }),
    blurhash: await blurhashOf(join(options.outDir, name)),
  };
  return {
    video: { duration: round(duration, 3), width: info.display.width, height: info.display.height, codec: info.codec, rotation: info.rotation },
    covers: [entry],
    analysis: {
      sampling: survey.sampling.kind, framesAnalysed: judged.length, pool: moment.defects.length === 0 ? 'clean' : 'relaxed', rejected: {},
      ...(options.subjects === undefined ? {} : { subjectsExamined: 1 }),
    },
  };
}
