import sharp from 'sharp';
import type { Size } from './resize-plan.js';

/** Width of the copy the map is computed on: saliency is about regions, not pixels. */
const MAP_WIDTH = 96;

/**
 * Where the eye goes in a picture without faces, in its pixels: the peak of a frequency-tuned saliency
 * map (Achanta et al., CVPR 2009: how far each slightly blurred pixel's CIELAB colour is from the
 * picture's mean colour), weighted towards the centre as photographers frame, and blurred to the scale
 * of a crop so that a region wins over a speck. libvips' own "attention" strategy was tried first: it
 * follows edges and skin tones, and on real covers went for a dark window frame in a corner over the bird
 * in the middle.
 */
export async function saliencyPeak(source: Buffer | string, frame: Size): Promise<{ x: number; y: number }> {
  const width = Math.min(MAP_WIDTH, frame.width);
  const height = Math.max(1, Math.round((frame.height * width) / frame.width));
  const { data } = await sharp(source, { pages: 1 }).resize(width, height, { fit: 'fill' }).removeAlpha()
    .toColourspace('lab').raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
  const lab = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const n = width * height;
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c]! += lab[i * 3 + c]! / n;
  // Colour rarity (distance from the mean colour) and fine detail (how far each pixel's lightness is from
  // its neighbours'): a subject in focus is detailed where a wall or a blurred background is smooth.
  const lightness = new Float32Array(n);
  for (let i = 0; i < n; i++) lightness[i] = lab[i * 3]!;
  const around = boxBlur(lightness, width, height, 1);
  const rarity = new Float32Array(n);
  const detail = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const dl = lab[i * 3]! - mean[0]!;
    const da = lab[i * 3 + 1]! - mean[1]!;
    const db = lab[i * 3 + 2]! - mean[2]!;
    rarity[i] = Math.sqrt(dl * dl + da * da + db * db);
    detail[i] = Math.abs(lightness[i]! - around[i]!);
  }
  const rarityScale = meanOf(rarity) || 1;
  const detailScale = meanOf(detail) || 1;
  const map = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // The centre prior: a broad Gaussian, so that an edge of the picture needs far more to win.
      const cx = (x + 0.5) / width - 0.5;
      const cy = (y + 0.5) / height - 0.5;
      map[i] = (rarity[i]! / rarityScale + detail[i]! / detailScale) * Math.exp(-(cx * cx + cy * cy) / (2 * 0.3 * 0.3));
    }
  }
  const smooth = boxBlur(boxBlur(map, width, height, Math.max(1, Math.round(width / 10))), width, height, Math.max(1, Math.round(width / 10)));
  let best = 0;
  for (let i = 1; i < n; i++) if (smooth[i]! > smooth[best]!) best = i;
  // A plain picture has nothing to point at.
  if (!(smooth[best]! > 1e-3)) return { x: frame.width / 2, y: frame.height / 2 };
  return { x: ((best % width) + 0.5) * (frame.width / width), y: (Math.floor(best / width) + 0.5) * (frame.height / height) };
}

function meanOf(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** A separable box blur of radius r, edges clamped. */
function boxBlur(input: Float32Array, width: number, height: number, r: number): Float32Array {
  const across = new Float32Array(input.length);
  const out = new Float32Array(input.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += input[y * width + Math.min(width - 1, Math.max(0, x + k))]!;
      across[y * width + x] = sum / (2 * r + 1);
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += across[Math.min(height - 1, Math.max(0, y + k)) * width + x]!;
      out[y * width + x] = sum / (2 * r + 1);
    }
  }
  return out;
}
