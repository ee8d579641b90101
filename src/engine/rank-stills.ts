import { chooseStills } from './choose-stills.js';
import type { FfmpegRunner } from './ffmpeg.js';
import { fitInside, type RawFrames, type Size } from './ffmpeg-args.js';
import type { SubjectBoxes } from './manifest.js';
import type { VideoReference } from './quality.js';
import type { RefinedMoment } from './refine.js';
import { framesAsRgb } from './render.js';
import type { Chosen } from './replace-failures.js';
import { stillScore } from './score.js';
import type { Pick } from './select.js';
import { appealOf } from './subjects/appeal.js';
import { coverBoxes } from './subjects/cover-boxes.js';
import { examineSubjects } from './subjects/examine.js';
import type { SubjectModels } from './subjects/port.js';

/** A still ready to render, best first, with what the subject models found in it when they ran. */
export interface RankedStill {
  readonly pick: Pick;
  readonly moment: RefinedMoment;
  readonly score: number;
  readonly subscores: Record<string, number>;
  readonly subjects?: SubjectBoxes | undefined;
}

/** Frames shown to the subject models fit this box: faces of 60 px and subtitles are readable at 640. */
const SUBJECT_BOX = 640;

/** Without subjects: every refined moment is a still, ranked on the picture alone. */
export function rankByPicture(chosen: readonly Chosen[]): RankedStill[] {
  return chosen
    .map(({ pick, moment }) => ({ pick, moment, ...stillScore(moment.scores, pick.relevance, moment.stillness, moment.defects) }))
    .sort((a, b) => b.score - a.score);
}

/**
 * With subjects: the refined candidates' frames (the very frames that become covers) go to the models at
 * 640 px, each is scored with what they found, and `stills` are chosen among them (see chooseStills).
 */
export async function rankBySubjects(
  ffmpeg: FfmpegRunner, models: SubjectModels, chosen: readonly Chosen[],
  context: { readonly display: Size; readonly reference: VideoReference; readonly stills: number; readonly scratch: string; readonly signal?: AbortSignal | undefined },
): Promise<RankedStill[]> {
  const { display, reference, stills, scratch, signal } = context;
  const box = fitInside(display, SUBJECT_BOX, SUBJECT_BOX);
  const images = await framesAsRgb(ffmpeg, chosen.map(({ moment }) => stillFrame(moment, display)), box, scratch, signal);
  const readings = await examineSubjects(models, images, chosen.map((c) => c.pick.sample.shot), reference, signal);
  const scored = chosen.map(({ pick, moment }, i) => ({
    pick, moment,
    subjects: coverBoxes(readings[i]!, box, display),
    ...stillScore(moment.scores, pick.relevance, moment.stillness, moment.defects, appealOf(readings[i]!, box)),
  }));
  return chooseStills(scored, stills);
}

/** Where a refined still's frame sits decoded at full size. */
export function stillFrame(moment: RefinedMoment, display: Size): RawFrames {
  return { file: moment.frame.file, size: display, pixelFormat: 'yuv420p', first: moment.frame.index, count: 1 };
}
