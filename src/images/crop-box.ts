import { AppError } from '../errors.js';
import type { Gravity } from './image-process.js';
import type { Size } from './resize-plan.js';

/** A rectangle in a picture's pixels (x, y: its top-left corner). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * What a subject-aware crop keeps: the picture's faces, clearest first (from the cover's subject analysis),
 * and, for a picture without faces, the point the saliency map peaks at.
 */
export interface Subjects {
  readonly faces: readonly Box[];
  readonly focus?: { readonly x: number; readonly y: number } | undefined;
}

/**
 * OSS's plain crop: a w×h box (a side left out runs to the edge) aligned to the gravity, then moved by
 * x/y; the box is clipped where it runs past the picture. A start outside the picture is OSS's 400
 * BadRequest, "Advance cut's position is out of image."
 */
export function gravityCrop(image: Size, crop: { w?: number | undefined; h?: number | undefined; x: number; y: number; g: Gravity }): Box {
  const w = Math.min(crop.w ?? image.width, image.width);
  const h = Math.min(crop.h ?? image.height, image.height);
  const column = crop.g === 'nw' || crop.g === 'west' || crop.g === 'sw' ? 0 : crop.g === 'ne' || crop.g === 'east' || crop.g === 'se' ? 2 : 1;
  const row = crop.g === 'nw' || crop.g === 'north' || crop.g === 'ne' ? 0 : crop.g === 'sw' || crop.g === 'south' || crop.g === 'se' ? 2 : 1;
  const x0 = column === 0 ? 0 : column === 2 ? image.width - w : Math.floor((image.width - w) / 2);
  const y0 = row === 0 ? 0 : row === 2 ? image.height - h : Math.floor((image.height - h) / 2);
  const x = x0 + crop.x;
  const y = y0 + crop.y;
  if (x >= image.width || y >= image.height) {
    throw new AppError('invalid_argument', "Advance cut's position is out of image.", { details: { reason: 'out_of_image' } });
  }
  return { x, y, width: Math.min(w, image.width - x), height: Math.min(h, image.height - y) };
}

/**
 * The size a subject-aware box takes in a picture: w×h when it fits, else the same shape scaled down to
 * fit (a 405×720 box on a 640×360 cover is 203×360); one side given keeps the picture's other side; none
 * given is a square of the short side (ours: OSS's g_auto ignores the size and picks a shape itself).
 */
export function subjectBoxSize(image: Size, w: number | undefined, h: number | undefined): Size {
  if (w === undefined && h === undefined) {
    const side = Math.min(image.width, image.height);
    return { width: side, height: side };
  }
  const bw = w ?? image.width;
  const bh = h ?? image.height;
  const f = Math.min(1, image.width / bw, image.height / bh);
  return { width: Math.max(1, Math.min(image.width, Math.round(bw * f))), height: Math.max(1, Math.min(image.height, Math.round(bh * f))) };
}

/**
 * Where a box of `size` goes in a picture so that it keeps the subject: as many faces as it can hold
 * whole (clearest first, so the clearest face is never given up for others), centred on them; without
 * faces, centred on the saliency peak; without either, the centre. The box always lies inside the picture,
 * and a face the box could hold is never cut: centring on the faces' union and then sliding the box back
 * inside the picture keeps the union inside it.
 */
export function placeBox(image: Size, size: Size, subjects: Subjects): Box {
  let keep: Box | undefined;
  // Whole pixels: a face at x 10.6 wide 20 needs pixels 10 to 30 kept.
  for (const face of subjects.faces.map(pixelHull)) {
    const joined = keep === undefined ? face : union(keep, face);
    if (joined.width <= size.width && joined.height <= size.height) keep = joined;
    // A face too big for the box: when it is the clearest one, the box at least holds its centre.
    else if (keep === undefined) keep = face;
  }
  const centre = keep !== undefined
    ? { x: keep.x + keep.width / 2, y: keep.y + keep.height / 2 }
    : subjects.focus ?? { x: image.width / 2, y: image.height / 2 };
  let x = Math.round(centre.x - size.width / 2);
  let y = Math.round(centre.y - size.height / 2);
  if (keep !== undefined && keep.width <= size.width && keep.height <= size.height) {
    // Rounding must not cost the kept faces their edge pixel.
    x = clamp(x, Math.ceil(keep.x + keep.width) - size.width, Math.floor(keep.x));
    y = clamp(y, Math.ceil(keep.y + keep.height) - size.height, Math.floor(keep.y));
  }
  return { x: clamp(x, 0, image.width - size.width), y: clamp(y, 0, image.height - size.height), width: size.width, height: size.height };
}

/**
 * `crop,g_face` without a size (OSS's own form): the clearest face's box grown to `percent` of its size
 * around its centre, inside the picture; undefined when the picture has no face (the picture is kept).
 */
export function faceCrop(image: Size, faces: readonly Box[], percent: number): Box | undefined {
  const face = faces[0];
  if (face === undefined) return undefined;
  const width = Math.min(image.width, Math.max(1, Math.round(face.width * percent / 100)));
  const height = Math.min(image.height, Math.max(1, Math.round(face.height * percent / 100)));
  return placeBox(image, { width, height }, { faces: [], focus: { x: face.x + face.width / 2, y: face.y + face.height / 2 } });
}

/** Subjects as they are in a picture scaled by fx, fy and then cut to `box` (what later steps of a chain see). */
export function moveSubjects(subjects: Subjects, fx: number, fy: number, box?: Box): Subjects {
  const ox = box?.x ?? 0;
  const oy = box?.y ?? 0;
  const faces = subjects.faces
    .map((f) => ({ x: f.x * fx - ox, y: f.y * fy - oy, width: f.width * fx, height: f.height * fy }))
    .filter((f) => box === undefined || (f.x + f.width > 0 && f.y + f.height > 0 && f.x < box.width && f.y < box.height));
  const focus = subjects.focus === undefined ? undefined : { x: subjects.focus.x * fx - ox, y: subjects.focus.y * fy - oy };
  return { faces, focus };
}

function pixelHull(b: Box): Box {
  const x = Math.floor(b.x);
  const y = Math.floor(b.y);
  return { x, y, width: Math.ceil(b.x + b.width) - x, height: Math.ceil(b.y + b.height) - y };
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}
