import type { Defect, QualityScores } from './quality.js';
import type { Appeal } from './subjects/appeal.js';

/**
 * Scores on VOD's 0–10 scale. Hecate's finding guides the weights: quality filters, relevance (how much of
 * the video a look stands for) and stillness beat any aesthetics score alone. A still that only made it
 * because the video had nothing better loses most of its score per defect, so a black video's covers say so.
 */
export function stillScore(
  scores: QualityScores, relevance: number, stillness: number, defects: readonly Defect[], appeal?: Appeal,
): { score: number; subscores: Record<string, number> } {
  if (appeal !== undefined) return subjectScore(scores, relevance, stillness, defects, appeal);
  const blend = 0.5 * scores.quality + 0.3 * relevance + 0.2 * stillness;
  const score = 10 * blend * penalty(defects);
  return { score: round(score, 2), subscores: qualitySubscores(scores, relevance, stillness) };
}

/**
 * With subjects: a clear face is a fifth of the blend, and exposure is judged on the face when it speaks
 * for the frame (a backlit face is underexposed whatever the frame's mean); text, subtitles, closed eyes
 * and a cut face scale the whole score down (see Appeal.clean).
 */
function subjectScore(scores: QualityScores, relevance: number, stillness: number, defects: readonly Defect[], appeal: Appeal): { score: number; subscores: Record<string, number> } {
  const face = appeal.main;
  const onFace = face?.exposure !== undefined && appeal.scores.faces >= FACE_EXPOSURE_FROM;
  const exposure = onFace ? face!.exposure! : scores.exposure;
  const quality = scores.quality + 0.25 * (exposure - scores.exposure);
  const judged = { ...scores, exposure, quality };
  const blend = 0.4 * quality + 0.25 * relevance + 0.15 * stillness + 0.2 * appeal.scores.faces;
  const score = 10 * blend * penalty(defects) * appeal.clean;
  return {
    score: round(score, 2),
    subscores: {
      ...qualitySubscores(judged, relevance, stillness),
      faces: appeal.scores.faces, eyes: appeal.scores.eyes, text: appeal.scores.text, subtitles: appeal.scores.subtitles,
    },
  };
}
/** A face this clear is the subject: the frame's exposure is the face's. */
const FACE_EXPOSURE_FROM = 0.3;

function qualitySubscores(scores: QualityScores, relevance: number, stillness: number): Record<string, number> {
  return {
    quality: round(scores.quality, 3),
    exposure: round(scores.exposure, 3),
    contrast: round(scores.contrast, 3),
    sharpness: round(scores.sharpness, 3),
    colourfulness: round(scores.colourfulness, 3),
    detail: round(scores.detail, 3),
    relevance: round(relevance, 3),
    stillness: round(stillness, 3),
  };
}

/** Motion is best in the middle: a still picture makes a dull preview, a blur of cuts an unreadable one. */
export function motionScore(motion: number): number {
  return clamp01(motion / 0.015) * (1 - clamp01((motion - 0.08) / 0.12));
}

export function gifScore(scores: QualityScores, relevance: number, motion: number): { score: number; subscores: Record<string, number> } {
  const liveliness = motionScore(motion);
  const score = 10 * (0.4 * scores.quality + 0.3 * relevance + 0.3 * liveliness);
  return {
    score: round(score, 2),
    subscores: { quality: round(scores.quality, 3), relevance: round(relevance, 3), motion: round(liveliness, 3) },
  };
}

function penalty(defects: readonly Defect[]): number {
  return Math.pow(0.35, Math.min(2, defects.length));
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
