import type { Box, FoundText } from './port.js';

/** A pixel is text when the model is at least this sure (PaddleOCR's DB post-processing default). */
const PIXEL_THRESHOLD = 0.3;
/** A region is text when its pixels average at least this (PaddleOCR's box_thresh). */
const REGION_THRESHOLD = 0.6;
/** Regions smaller than this many map pixels are specks, not letters. */
const MIN_PIXELS = 6;
/**
 * The model marks a shrunk core of each word (DB "shrinks" its training boxes by this ratio): the word
 * itself reaches about this far beyond the core, as a share of the core's shorter side.
 */
const UNCLIP = 0.5;

/**
 * Pure: the text regions of a differentiable-binarisation probability map (PP-OCR's detector output), as
 * boxes in map pixels clipped to `limit` (the part of the map that was picture, not padding): connected
 * runs of likely pixels, kept when they are confident on average, grown back to the word's extent.
 */
export function textRegions(map: Float32Array, width: number, height: number, limit: { width: number; height: number } = { width, height }): FoundText[] {
  const label = new Int32Array(width * height).fill(-1);
  const found: FoundText[] = [];
  const stack: number[] = [];
  for (let start = 0; start < map.length; start++) {
    if (label[start] !== -1 || map[start]! < PIXEL_THRESHOLD) continue;
    let x0 = width, y0 = height, x1 = -1, y1 = -1, sum = 0, count = 0;
    label[start] = found.length;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width, y = (p - x) / width;
      sum += map[p]!;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (const q of [x > 0 ? p - 1 : -1, x + 1 < width ? p + 1 : -1, y > 0 ? p - width : -1, y + 1 < height ? p + width : -1]) {
        if (q >= 0 && label[q] === -1 && map[q]! >= PIXEL_THRESHOLD) {
          label[q] = found.length;
          stack.push(q);
        }
      }
    }
    const confidence = sum / count;
    if (count < MIN_PIXELS || confidence < REGION_THRESHOLD) continue;
    const grow = UNCLIP * Math.min(x1 - x0 + 1, y1 - y0 + 1);
    const left = Math.max(0, x0 - grow), top = Math.max(0, y0 - grow);
    const right = Math.min(limit.width, x1 + 1 + grow), bottom = Math.min(limit.height, y1 + 1 + grow);
    // Words and lines are wider than tall; a region that is not is an eye or a nostril on a soft face (the
    // detector's usual mistake on upscaled footage). Vertical text is given up for that.
    if (right - left < bottom - top) continue;
    found.push({ box: { x: left, y: top, width: right - left, height: bottom - top }, confidence });
  }
  return found;
}

/** Pure: the share of a width × height frame that the union of the boxes covers, 0..1. */
export function coveredShare(boxes: readonly Box[], width: number, height: number): number {
  // On a coarse grid: exact enough for a share, and overlapping boxes count once.
  const cols = 64, rows = 36;
  const cells = new Uint8Array(cols * rows);
  for (const b of boxes) {
    const c0 = Math.max(0, Math.floor((b.x / width) * cols)), c1 = Math.min(cols, Math.ceil(((b.x + b.width) / width) * cols));
    const r0 = Math.max(0, Math.floor((b.y / height) * rows)), r1 = Math.min(rows, Math.ceil(((b.y + b.height) / height) * rows));
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) cells[r * cols + c] = 1;
  }
  let on = 0;
  for (const v of cells) on += v;
  return on / cells.length;
}

/** Pure: the share of box `a` that box `b` covers, 0..1. */
export function overlapShare(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w <= 0 || h <= 0 || a.width * a.height === 0 ? 0 : (w * h) / (a.width * a.height);
}
