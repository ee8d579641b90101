import { coveredShare } from './text-regions.js';
import { isFrontal, type FaceReading, type SubjectReading } from './examine.js';

/**
 * What a frame's subjects make of it as a cover, each 0..1 and higher is better (see README "Scores"):
 * - faces: how clear the clearest face is (0 when there is none): a confident detection, a reasonable size,
 *   inside the frame, facing the camera, eyes open, the face itself sharp and well exposed;
 * - eyes: the clearest face's eyes, 1 open, 0 closed, 0.5 unknown (too small, turned away) or no face;
 * - text: how clear of text the picture is (1 none; 0 a quarter or more of the frame is text);
 * - subtitles: 1 none, 0 burned-in subtitles or captions along the bottom.
 */
export interface SubjectScores {
  readonly faces: number;
  readonly eyes: number;
  readonly text: number;
  readonly subtitles: number;
}

export interface Appeal {
  readonly scores: SubjectScores;
  /** The face that speaks for the frame, if any. */
  readonly main?: FaceReading | undefined;
  /** Multiplier (1 = neutral) for choosing among moments: a clear face lifts, text and closed eyes push down. */
  readonly worth: number;
  /** Multiplier (≤ 1) on the score for what spoils a picture: text, subtitles, closed eyes, a cut face. */
  readonly clean: number;
  /** Share of the frame covered by text. */
  readonly textShare: number;
}

/** The clearest face adds up to this much to a moment's worth (a portrait over an equally good landscape). */
const FACE_LIFT = 0.8;
/** Text over a quarter of the frame is a slide or a title card, not a picture. */
const TEXT_FULL = 0.25;

/** Pure: a frame's subject scores and how much they lift or lower it. `frame` is the examined size. */
export function appealOf(reading: SubjectReading, frame: { width: number; height: number }): Appeal {
  const clarities = reading.faces.map(clarity);
  const best = clarities.reduce((b, c, i) => (c > (clarities[b] ?? -1) ? i : b), 0);
  const main = reading.faces[best];
  const faces = main === undefined ? 0 : clarities[best]!;
  const textShare = coveredShare(reading.text, frame.width, frame.height);
  const text = 1 - Math.min(1, textShare / TEXT_FULL);
  const subtitles = reading.subtitles.length > 0 ? 0 : 1;
  const eyes = main === undefined || main.eyes === 'unknown' ? 0.5 : main.eyes === 'open' ? 1 : 0;
  const clean = (0.3 + 0.7 * text) * (subtitles === 1 ? 1 : 0.6) * (main?.eyes === 'closed' ? 0.75 : 1) * (main?.cut === true ? 0.85 : 1);
  return {
    scores: { faces: round(faces), eyes, text: round(text), subtitles },
    main,
    worth: (1 + FACE_LIFT * faces) * clean,
    clean,
    textShare: round(textShare),
  };
}

/** Pure: how clear one face is as the subject of a cover, 0..1. */
export function clarity(face: FaceReading): number {
  const size = face.size < 0.04 ? 0.15 : face.size < 0.15 ? 0.15 + 0.85 * ((face.size - 0.04) / 0.11) : face.size > 0.75 ? 0.8 : 1;
  const edge = face.cut ? 0.45 : 1;
  const frontal = isFrontal(face);
  const turned = Math.max(Math.abs(face.yaw ?? 0), Math.abs(face.pitch ?? 0));
  const pose = frontal === undefined ? 0.8 : frontal ? 1 : Math.max(0.4, 1 - (turned - 15) / 50);
  const eyes = face.eyes === 'open' ? 1 : face.eyes === 'closed' ? 0.3 : 0.75;
  const region = face.sharpness === undefined || face.exposure === undefined ? 0.8 : 0.6 + 0.4 * Math.min(1, (face.sharpness + face.exposure) / 1.2);
  return Math.min(1, face.confidence) * size * edge * pose * eyes * region;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
