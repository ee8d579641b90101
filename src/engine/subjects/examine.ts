import { FeatureExtractor } from '../features.js';
import { qualityOf, type VideoReference } from '../quality.js';
import type { Box, FaceLandmarks, FoundFace, FoundText, RgbImage, SubjectModels } from './port.js';
import { overlapShare } from './text-regions.js';

/** What the models found in one frame, judged: the findings the ranking and the manifest use. */
export interface SubjectReading {
  readonly faces: readonly FaceReading[];
  /** Every text region, subtitles included. */
  readonly text: readonly Box[];
  /** Text lines in the bottom band that read as burned-in subtitles or captions. */
  readonly subtitles: readonly Box[];
}

export type Eyes = 'open' | 'closed' | 'unknown';

export interface FaceReading {
  readonly box: Box;
  readonly confidence: number;
  /** The face's height as a share of the frame's. */
  readonly size: number;
  /** The face touches the frame's edge: part of it is outside the picture. */
  readonly cut: boolean;
  /** Judged against the same person elsewhere when possible; 'unknown' for faces too small or turned away. */
  readonly eyes: Eyes;
  /** Head rotation in degrees, when the face mesh ran. */
  readonly yaw?: number | undefined;
  readonly pitch?: number | undefined;
  /** 0..1 sharpness and exposure of the face region itself, on the video's own scale. */
  readonly sharpness?: number | undefined;
  readonly exposure?: number | undefined;
}

/** The whole frame is looked at this small for text (titles, slides, credits: large letters). */
export const TEXT_SIDE = 320;
/** The bottom band, where subtitles sit, is looked at in full (at 320 px half the subtitles are missed). */
const BAND_SHARE = 0.3;
const BAND_SIDE = 640;
/** A face this much covered by text is letters the detector took for a face ("oo", a round logo). */
const TEXT_COVERED_FACE = 0.3;
/** The face mesh is sure of real faces; letters, patterns and cartoons mostly score below this. */
const MESH_CONFIDENCE = 0.9;
/** Faces shorter than this (pixels of the examined frame) are too small for landmarks to mean anything. */
export const LANDMARK_PIXELS = 60;
/** A head turned further than this hides an eye: openness cannot be judged. */
const EYES_YAW = 35;
/** Under this eye aspect ratio, eyes are closed whoever they belong to. */
const CLOSED_RATIO = 0.15;
/** Eyes this much narrower than the same person's elsewhere in the video are closing (a blink). */
const BLINK_SHARE = 0.8;
const FRONTAL_DEGREES = 15;
/** A face within this share of the frame's side from an edge is cut by it. */
const EDGE_MARGIN = 0.01;

/**
 * The subject stage for the frames that can still become covers: text first (every frame, whole and its
 * bottom band), then faces (the detector on every frame; the mesh and iris only on frames with a face big
 * enough to judge), each model held only for its own part so that the two are never up at once.
 * `shots[i]` is frame i's shot: the same person is looked for within a shot.
 */
export async function examineSubjects(
  models: SubjectModels, images: readonly RgbImage[], shots: readonly number[], reference: VideoReference, signal?: AbortSignal,
): Promise<SubjectReading[]> {
  if (images.length === 0) return [];
  const releaseText = models.hold('text');
  let whole: FoundText[][], bands: FoundText[][];
  try {
    whole = await models.text.detect(images, TEXT_SIDE, signal);
    bands = await models.text.detect(images.map(bottomBand), BAND_SIDE, signal);
  } finally {
    releaseText();
  }
  const lower = images.map((image, i) => bands[i]!.map((t) => bandToFrame(t.box, image)));
  const text = images.map((_, i) => [...whole[i]!.map((t) => t.box), ...lower[i]!]);
  // The same objects as in `text`: a subtitle line is one of the frame's text regions.
  const subtitles = images.map((image, i) => lower[i]!.filter((b) => isSubtitleLine(b, image)));

  const releaseFaces = models.hold('faces');
  let found: FoundFace[][], closer: (FaceLandmarks[] | undefined)[];
  try {
    found = (await models.faces.detect(images, signal)).map((faces, i) => faces.filter((f) => !coveredByText(f.box, text[i]!)));
    const wanted = wantsLandmarks(found);
    const landmarks = await models.faces.landmarks(wanted.map((i) => images[i]!), signal);
    closer = images.map((_, i) => (wanted.includes(i) ? landmarks[wanted.indexOf(i)]! : undefined));
  } finally {
    releaseFaces();
  }
  const measured = images.map((image, i) => measureFaces(image, found[i]!, closer[i], text[i]!, reference));
  const withEyes = judgeEyes(measured, shots);
  return images.map((_, i) => ({ faces: withEyes[i]!, text: text[i]!, subtitles: subtitles[i]! }));
}

/** Pure: the frames whose faces are big enough for the mesh and iris models (a face-less video pays nothing). */
export function wantsLandmarks(found: readonly (readonly FoundFace[])[]): number[] {
  return found.flatMap((faces, i) => (faces.some((f) => f.box.height >= LANDMARK_PIXELS) ? [i] : []));
}

/** A face box mostly covered by detected text is letters, not a face. */
export function coveredByText(face: Box, text: readonly Box[]): boolean {
  return Math.min(1, text.reduce((sum, t) => sum + overlapShare(face, t), 0)) >= TEXT_COVERED_FACE;
}

/** Pure: a text line in the bottom band, wide enough and near the middle, as subtitles and captions are. */
export function isSubtitleLine(box: Box, frame: { width: number; height: number }): boolean {
  const centre = (box.x + box.width / 2) / frame.width;
  return box.y >= frame.height * (1 - BAND_SHARE) - 1 && box.width >= frame.width * 0.1 && box.height <= frame.height * 0.15 && centre > 0.2 && centre < 0.8;
}

function bottomBand(image: RgbImage): RgbImage {
  const top = Math.floor(image.height * (1 - BAND_SHARE));
  return { width: image.width, height: image.height - top, data: image.data.subarray(top * image.width * 3) };
}

function bandToFrame(box: Box, image: RgbImage): Box {
  return { ...box, y: box.y + Math.floor(image.height * (1 - BAND_SHARE)) };
}

/**
 * One frame's faces with what can be measured on them alone: size, the edge, pose, and the face region's
 * own sharpness and exposure. Where the mesh ran, its faces replace the detector's, and a face the mesh
 * does not believe in is dropped (letters, textures). Eyes are judged later, across frames.
 */
function measureFaces(image: RgbImage, found: readonly FoundFace[], closer: readonly FaceLandmarks[] | undefined, text: readonly Box[], reference: VideoReference): (FaceReading & { openness?: number })[] {
  const faces: (FoundFace | FaceLandmarks)[] = closer === undefined
    ? [...found]
    : [
        ...closer.filter((f) => f.meshConfidence >= MESH_CONFIDENCE && !coveredByText(f.box, text)),
        // Faces too small for the mesh keep the detector's word.
        ...found.filter((f) => f.box.height < LANDMARK_PIXELS && !closer.some((c) => overlapShare(f.box, c.box) > 0.3)),
      ];
  return faces.map((f) => {
    const mesh = 'meshConfidence' in f ? f : undefined;
    const region = f.box.width >= 24 && f.box.height >= 24 ? regionQuality(image, f.box, reference) : undefined;
    const judgeable = mesh !== undefined && f.box.height >= LANDMARK_PIXELS && Math.abs(mesh.yaw) <= EYES_YAW;
    return {
      box: f.box,
      confidence: f.confidence,
      size: f.box.height / image.height,
      cut: touchesEdge(f.box, image),
      eyes: 'unknown',
      ...(mesh === undefined ? {} : { yaw: mesh.yaw, pitch: mesh.pitch }),
      ...(region ?? {}),
      ...(judgeable ? { openness: (mesh.eyes.left + mesh.eyes.right) / 2 } : {}),
    };
  });
}

/**
 * Pure: open or closed, judged against the same person's eyes in the other frames (a face of about the
 * same size at about the same place in the same shot; without face recognition that is the best guess of
 * "the same person"), and against a fixed bar that holds for anyone. Squinting people and wide-eyed ones
 * differ more than one person's open and half-closed eyes do.
 */
export function judgeEyes(frames: readonly (readonly (FaceReading & { openness?: number })[])[], shots: readonly number[]): FaceReading[][] {
  return frames.map((faces, i) => faces.map(({ openness, ...face }) => {
    if (openness === undefined) return { ...face, eyes: 'unknown' as const };
    const others = frames.flatMap((other, j) => (j === i || shots[j] !== shots[i] ? [] : other.filter((o) => o.openness !== undefined && samePlace(o.box, face.box)).map((o) => o.openness!)));
    const usual = others.length === 0 ? undefined : median(others);
    const closed = openness < CLOSED_RATIO || (usual !== undefined && openness < BLINK_SHARE * usual);
    return { ...face, eyes: closed ? ('closed' as const) : ('open' as const) };
  }));
}

/** Whether a face's head faces the camera (yaw and pitch within 15°); undefined when no mesh ran. */
export function isFrontal(face: FaceReading): boolean | undefined {
  if (face.yaw === undefined || face.pitch === undefined) return undefined;
  return Math.abs(face.yaw) <= FRONTAL_DEGREES && Math.abs(face.pitch) <= FRONTAL_DEGREES;
}

function samePlace(a: Box, b: Box): boolean {
  const dx = Math.abs(a.x + a.width / 2 - (b.x + b.width / 2));
  const dy = Math.abs(a.y + a.height / 2 - (b.y + b.height / 2));
  const ratio = a.height / b.height;
  return dx < Math.max(a.width, b.width) && dy < Math.max(a.height, b.height) && ratio > 0.67 && ratio < 1.5;
}

function touchesEdge(box: Box, frame: { width: number; height: number }): boolean {
  const mx = frame.width * EDGE_MARGIN, my = frame.height * EDGE_MARGIN;
  return box.x <= mx || box.y <= my || box.x + box.width >= frame.width - mx || box.y + box.height >= frame.height - my;
}

/** Sharpness and exposure of a region, by the same measures as whole frames. */
function regionQuality(image: RgbImage, box: Box, reference: VideoReference): { sharpness: number; exposure: number } {
  const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
  const w = Math.min(image.width - x0, Math.round(box.width)), h = Math.min(image.height - y0, Math.round(box.height));
  const crop = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) crop.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + w) * 3), y * w * 3);
  const scores = qualityOf(new FeatureExtractor(w, h).extract(crop), reference);
  return { sharpness: round(scores.sharpness), exposure: round(scores.exposure) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
