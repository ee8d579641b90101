/**
 * Per-frame measurements, computed in plain TypeScript on one small rgb24 frame at a time. Everything a
 * frame contributes to ranking is here, so every cover can be explained from these numbers.
 */
export interface FrameFeatures {
  /** Mean relative luminance, 0..1. */
  readonly luma: number;
  /** Standard deviation of luminance, 0..0.5. */
  readonly contrast: number;
  /** 5th, 95th and 99th percentile of luminance, 0..1. */
  readonly p05: number;
  readonly p95: number;
  readonly p99: number;
  /**
   * Mean luminance of the brightest cell of the 8 × 8 layout grid, 0..1: how well the best-lit region is
   * exposed (a candle-lit face, a lit stage), which a dark mean hides.
   */
  readonly lit: number;
  /** Share of pixels that are near black (< 0.07) and near white (> 0.96). */
  readonly dark: number;
  readonly clipped: number;
  /** Mean Sobel gradient magnitude, a unit step = 1. Depends on content as much as on focus. */
  readonly edges: number;
  /** Re-blur metric (Crête et al. 2007): 0 = crisp .. 1 = no detail. Independent of how much content there is. */
  readonly blur: number;
  /** Share of pixels in the fullest 5 % of a 128-bin grey histogram (Hecate): 1 = a flat card. */
  readonly uniformity: number;
  /** Hasler–Süsstrunk colourfulness M, in 0–255 units (≈ 0 grey, 33 moderate, 59 quite, 82+ very). */
  readonly colourfulness: number;
  /** Shannon entropy of the grey histogram, bits (0..8). */
  readonly entropy: number;
  /** 64-bit difference hash of the luma, as two unsigned 32-bit halves. */
  readonly hash: readonly [number, number];
  /** A 16 × 16 grid of mean luma (0..255), whatever the frame's shape: see momentDistance. */
  readonly grid: Uint8Array;
  /**
   * Share of the frame covered by what decoders paint where data is missing (0..1): 4 × 4 cells of one
   * exact colour that is either pure green (YUV 0,0,0, what H.264 shows for a missing reference) or mid
   * grey (YUV 128,128,128, the other usual fill). Real footage, even a flat wall, carries some noise.
   */
  readonly damage: number;
  /** RGB histogram, 4 × 4 × 4 bins, summing to 1. */
  readonly histogram: Float32Array;
  /** 8 × 8 grid of mean RGB (192 bytes): where the colours are. */
  readonly layout: Uint8Array;
}

const GRID = 8;
const MOMENT_GRID = 16;
const HASH_W = 9;
const HASH_H = 8;

/**
 * Extracts features from rgb24 frames of one fixed size. Holds its scratch buffers so that a pass over a
 * long video allocates nothing per frame but the (small) result.
 */
export class FeatureExtractor {
  readonly width: number;
  readonly height: number;
  /** Luma of the last frame extracted (0..255), for callers that compare consecutive frames. */
  readonly luma: Uint8Array;
  private readonly grey = new Uint32Array(256);
  private readonly colour = new Uint32Array(64);
  private readonly boxSum: Int32Array;
  private readonly columnSums: Int32Array;
  private readonly previousColumnSums: Int32Array;
  // Which layout and hash cell each column and row falls in: looked up, not divided, per pixel.
  private readonly layoutColumn: Uint8Array;
  private readonly layoutRow: Uint8Array;
  private readonly hashColumn: Uint8Array;
  private readonly hashRow: Uint8Array;
  private readonly momentColumn: Uint8Array;
  private readonly momentRow: Uint8Array;

  constructor(width: number, height: number) {
    if (width < 3 || height < 3) throw new RangeError(`frame too small for features: ${width}x${height}`);
    this.width = width;
    this.height = height;
    this.luma = new Uint8Array(width * height);
    this.boxSum = new Int32Array(width);
    this.columnSums = new Int32Array(width);
    this.previousColumnSums = new Int32Array(width);
    const cells = (n: number, parts: number) => Uint8Array.from({ length: n }, (_, i) => Math.min(parts - 1, Math.floor((i * parts) / n)));
    this.layoutColumn = cells(width, GRID);
    this.layoutRow = cells(height, GRID);
    this.hashColumn = cells(width, HASH_W);
    this.hashRow = cells(height, HASH_H);
    this.momentColumn = cells(width, MOMENT_GRID);
    this.momentRow = cells(height, MOMENT_GRID);
  }

  get frameBytes(): number {
    return this.width * this.height * 3;
  }

  extract(rgb: Uint8Array): FrameFeatures {
    const { width, height, luma, grey, colour } = this;
    const n = width * height;
    if (rgb.length < n * 3) throw new RangeError(`frame has ${rgb.length} bytes, expected ${n * 3}`);
    grey.fill(0);
    colour.fill(0);
    let sumRg = 0, sumYb = 0, sumRg2 = 0, sumYb2 = 0;
    const layoutSums = new Float64Array(GRID * GRID * 3);
    const layoutCounts = new Uint32Array(GRID * GRID);
    const hashSums = new Float64Array(HASH_W * HASH_H);
    const hashCounts = new Uint32Array(HASH_W * HASH_H);
    const momentSums = new Float64Array(MOMENT_GRID * MOMENT_GRID);
    const momentCounts = new Uint32Array(MOMENT_GRID * MOMENT_GRID);
    const { layoutColumn, layoutRow, hashColumn, hashRow, momentColumn, momentRow } = this;
    for (let y = 0, p = 0, i = 0; y < height; y++) {
      const layoutBase = layoutRow[y]! * GRID;
      const hashBase = hashRow[y]! * HASH_W;
      const momentBase = momentRow[y]! * MOMENT_GRID;
      for (let x = 0; x < width; x++, p++, i += 3) {
        const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
        // Rec. 709 luma in fixed point (54 + 183 + 19 = 256).
        const l = (54 * r + 183 * g + 19 * b) >> 8;
        luma[p] = l;
        grey[l]!++;
        colour[((r >> 6) << 4) | ((g >> 6) << 2) | (b >> 6)]!++;
        const rg = r - g;
        const yb = 0.5 * (r + g) - b;
        sumRg += rg; sumYb += yb; sumRg2 += rg * rg; sumYb2 += yb * yb;
        const cell = layoutBase + layoutColumn[x]!;
        const base = cell * 3;
        layoutSums[base] = layoutSums[base]! + r;
        layoutSums[base + 1] = layoutSums[base + 1]! + g;
        layoutSums[base + 2] = layoutSums[base + 2]! + b;
        layoutCounts[cell]!++;
        const hashCell = hashBase + hashColumn[x]!;
        hashSums[hashCell] = hashSums[hashCell]! + l;
        hashCounts[hashCell]!++;
        const momentCell = momentBase + momentColumn[x]!;
        momentSums[momentCell] = momentSums[momentCell]! + l;
        momentCounts[momentCell]!++;
      }
    }

    // Grey statistics from the histogram: mean, deviation, percentiles, entropy, uniformity.
    let mean = 0, sq = 0, entropy = 0, dark = 0, clipped = 0;
    for (let v = 0; v < 256; v++) {
      const c = grey[v]!;
      if (c === 0) continue;
      mean += v * c;
      sq += v * v * c;
      const q = c / n;
      entropy -= q * Math.log2(q);
      if (v < 18) dark += c;
      if (v > 245) clipped += c;
    }
    mean /= n;
    const variance = Math.max(0, sq / n - mean * mean);
    const bins128 = new Array<number>(128);
    for (let k = 0; k < 128; k++) bins128[k] = grey[2 * k]! + grey[2 * k + 1]!;
    bins128.sort((a, b) => b - a);
    let top = 0;
    for (let k = 0; k < 7; k++) top += bins128[k]!; // 5 % of 128 bins, rounded up

    const meanRg = sumRg / n, meanYb = sumYb / n;
    const grid = new Uint8Array(MOMENT_GRID * MOMENT_GRID);
    for (let k = 0; k < grid.length; k++) grid[k] = Math.round(momentSums[k]! / Math.max(1, momentCounts[k]!));
    const sdRg = Math.sqrt(Math.max(0, sumRg2 / n - meanRg * meanRg));
    const sdYb = Math.sqrt(Math.max(0, sumYb2 / n - meanYb * meanYb));

    const histogram = new Float32Array(64);
    for (let k = 0; k < 64; k++) histogram[k] = colour[k]! / n;
    const layout = new Uint8Array(GRID * GRID * 3);
    let lit = 0;
    for (let cell = 0; cell < GRID * GRID; cell++) {
      const count = Math.max(1, layoutCounts[cell]!);
      for (let c = 0; c < 3; c++) layout[cell * 3 + c] = Math.round(layoutSums[cell * 3 + c]! / count);
      lit = Math.max(lit, (54 * layoutSums[cell * 3]! + 183 * layoutSums[cell * 3 + 1]! + 19 * layoutSums[cell * 3 + 2]!) / (256 * count));
    }

    return {
      luma: mean / 255,
      contrast: Math.sqrt(variance) / 255,
      p05: percentile(grey, n, 0.05) / 255,
      p95: percentile(grey, n, 0.95) / 255,
      p99: percentile(grey, n, 0.99) / 255,
      lit: lit / 255,
      dark: dark / n,
      clipped: clipped / n,
      edges: this.sobel(),
      blur: this.reblur(),
      uniformity: top / n,
      colourfulness: Math.sqrt(sdRg * sdRg + sdYb * sdYb) + 0.3 * Math.sqrt(meanRg * meanRg + meanYb * meanYb),
      entropy,
      hash: differenceHash(hashSums, hashCounts),
      grid,
      damage: concealment(rgb, width, height),
      histogram,
      layout,
    };
  }

  /** Mean Sobel magnitude of the luma, normalised so that a black-to-white step gives 1. */
  private sobel(): number {
    const { width: w, height: h, luma } = this;
    let total = 0;
    for (let y = 1; y < h - 1; y++) {
      let row = y * w;
      for (let x = 1; x < w - 1; x++) {
        const p = row + x;
        const a = luma[p - w - 1]!, b = luma[p - w]!, c = luma[p - w + 1]!;
        const d = luma[p - 1]!, f = luma[p + 1]!;
        const g = luma[p + w - 1]!, hh = luma[p + w]!, i = luma[p + w + 1]!;
        const gx = c + 2 * f + i - a - 2 * d - g;
        const gy = g + 2 * hh + i - a - 2 * b - c;
        total += Math.sqrt(gx * gx + gy * gy);
      }
      row += w;
    }
    return total / ((w - 2) * (h - 2) * 4 * 255);
  }

  /**
   * Crête–Roffet re-blur metric: blur the frame with a 9-tap box filter and see how much of its variation
   * survives. A crisp frame loses most of it, a blurry one almost none. Returns the worse of the two
   * directions, 0 (crisp) to 1 (blurry or featureless). Both directions run row by row (the vertical box
   * as running column sums) so the pass stays in cache.
   */
  private reblur(): number {
    const { width: w, height: h, luma, boxSum, columnSums, previousColumnSums } = this;
    const r = 4; // 9 taps
    let detailH = 0, keptH = 0, detailV = 0, keptV = 0;
    columnSums.fill(0);
    for (let k = -r; k <= r; k++) {
      const row = clamp(k, 0, h - 1) * w;
      for (let x = 0; x < w; x++) columnSums[x] = columnSums[x]! + luma[row + x]!;
    }
    for (let y = 0; y < h; y++) {
      const row = y * w;
      boxRow(luma, row, 1, w, r, boxSum);
      for (let x = 1; x < w; x++) {
        const dF = Math.abs(luma[row + x]! - luma[row + x - 1]!) * 9;
        const dB = Math.abs(boxSum[x]! - boxSum[x - 1]!);
        detailH += dF;
        if (dF > dB) keptH += dF - dB;
      }
      if (y > 0) {
        for (let x = 0; x < w; x++) {
          const dF = Math.abs(luma[row + x]! - luma[row - w + x]!) * 9;
          const dB = Math.abs(columnSums[x]! - previousColumnSums[x]!);
          detailV += dF;
          if (dF > dB) keptV += dF - dB;
        }
      }
      // Slide the vertical window down one row: add row y+r+1, drop row y-r.
      previousColumnSums.set(columnSums);
      const add = clamp(y + r + 1, 0, h - 1) * w;
      const drop = clamp(y - r, 0, h - 1) * w;
      for (let x = 0; x < w; x++) columnSums[x] = columnSums[x]! + luma[add + x]! - luma[drop + x]!;
    }
    // Below ~0.5 grey levels of variation per pixel there is nothing to call sharp.
    const floor = 0.5 * 9 * w * h;
    const blurH = detailH < floor ? 1 : (detailH - keptH) / detailH;
    const blurV = detailV < floor ? 1 : (detailV - keptV) / detailV;
    return Math.max(blurH, blurV);
  }
}

/** dHash: each hash cell brighter than its right neighbour sets a bit. */
function differenceHash(sums: Float64Array, counts: Uint32Array): [number, number] {
  let hi = 0, lo = 0;
  for (let y = 0; y < HASH_H; y++) {
    for (let x = 0; x < HASH_W - 1; x++) {
      const a = sums[y * HASH_W + x]! / Math.max(1, counts[y * HASH_W + x]!);
      const b = sums[y * HASH_W + x + 1]! / Math.max(1, counts[y * HASH_W + x + 1]!);
      const bit = y * (HASH_W - 1) + x;
      if (a > b) {
        if (bit < 32) lo = (lo | (1 << bit)) >>> 0;
        else hi = (hi | (1 << (bit - 32))) >>> 0;
      }
    }
  }
  return [hi, lo];
}

const CELL = 4;

/**
 * Share of the frame in 4 × 4 cells that are one exact colour, and that colour a decoder's fill: pure
 * green (R and B near 0, G high: YUV 0,0,0 or a green-shifted fill) or neutral mid grey. Cells are read
 * on the analysis frame, where one cell is about a macroblock of a 720p source.
 */
export function concealment(rgb: Uint8Array, width: number, height: number): number {
  const cellsX = Math.floor(width / CELL), cellsY = Math.floor(height / CELL);
  if (cellsX === 0 || cellsY === 0) return 0;
  let filled = 0;
  for (let cy = 0; cy < cellsY; cy++) {
    for (let cx = 0; cx < cellsX; cx++) {
      const first = ((cy * CELL) * width + cx * CELL) * 3;
      const r = rgb[first]!, g = rgb[first + 1]!, b = rgb[first + 2]!;
      const green = g > 90 && r < 24 && b < 24;
      const grey = Math.abs(r - 128) <= 3 && Math.abs(g - 128) <= 3 && Math.abs(b - 128) <= 3;
      if (!green && !grey) continue;
      let flat = true;
      for (let y = 0; y < CELL && flat; y++) {
        let i = ((cy * CELL + y) * width + cx * CELL) * 3;
        for (let x = 0; x < CELL; x++, i += 3) {
          if (rgb[i] !== r || rgb[i + 1] !== g || rgb[i + 2] !== b) { flat = false; break; }
        }
      }
      if (flat) filled++;
    }
  }
  return filled / (cellsX * cellsY);
}

/**
 * How different two moments look: how many of the 256 cells of the 16 × 16 luma grid changed by more than
 * MOMENT_MARGIN grey levels, once a change of overall brightness is taken out. A cell averages hundreds of
 * pixels, so sensor noise and film grain do not count and a static slide stays one picture, while what
 * moves or comes into view (a turned head, a passer-by, a new framing) does. Small changes that a 9 × 8
 * hash would never see still count here.
 */
export function momentDistance(a: FrameFeatures, b: FrameFeatures): number {
  const n = a.grid.length;
  let shift = 0;
  for (let k = 0; k < n; k++) shift += a.grid[k]! - b.grid[k]!;
  shift /= n;
  let cells = 0;
  for (let k = 0; k < n; k++) if (Math.abs(a.grid[k]! - b.grid[k]! - shift) > MOMENT_MARGIN) cells++;
  return cells;
}
/** Grey levels (of 255) a grid cell must change by to count in momentDistance. */
const MOMENT_MARGIN = 10;

/** Sliding sum of 2r+1 samples along a line (edges clamped), written to out[0..count). */
function boxRow(src: Uint8Array, start: number, stride: number, count: number, r: number, out: Int32Array): void {
  let sum = 0;
  for (let k = -r; k <= r; k++) sum += src[start + clamp(k, 0, count - 1) * stride]!;
  for (let i = 0; i < count; i++) {
    out[i] = sum;
    sum += src[start + clamp(i + r + 1, 0, count - 1) * stride]! - src[start + clamp(i - r, 0, count - 1) * stride]!;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function percentile(hist: Uint32Array, n: number, q: number): number {
  const target = q * n;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= target) return v;
  }
  return 255;
}

/** Bits that differ between two 64-bit hashes (0..64). */
export function hammingDistance(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * How different two frames look, 0 (same) .. 1: half colour distribution, half spatial layout of colour.
 * The layout half tells apart shots with the same palette; the histogram half is robust to small motion.
 */
export function frameDistance(a: FrameFeatures, b: FrameFeatures): number {
  let hist = 0;
  for (let k = 0; k < 64; k++) hist += Math.abs(a.histogram[k]! - b.histogram[k]!);
  let layout = 0;
  for (let k = 0; k < a.layout.length; k++) layout += Math.abs(a.layout[k]! - b.layout[k]!);
  layout /= a.layout.length * 255;
  return 0.5 * (hist / 2) + 0.5 * Math.min(1, layout * 4);
}

/** Mean absolute luma difference of two equally sized luma planes, 0..1: how much moved between them. */
export function lumaDifference(a: Uint8Array, b: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i]! - b[i]!);
  return total / (a.length * 255);
}
