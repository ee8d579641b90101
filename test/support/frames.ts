/** Synthetic rgb24 frames for unit tests of the pixel code; randomness comes from a seeded generator. */
export type Rgb = [number, number, number];

export function solid(w: number, h: number, [r, g, b]: Rgb): Uint8Array {
  const f = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) f.set([r, g, b], i * 3);
  return f;
}

/** A sharp, busy picture: coloured blocks of `cell` pixels with fine noise, drawn by `random`. */
export function blocks(w: number, h: number, cell: number, random: () => number): Uint8Array {
  const f = new Uint8Array(w * h * 3);
  const palette: Rgb[] = Array.from({ length: 16 }, () => [random() * 255, random() * 255, random() * 255].map(Math.round) as Rgb);
  const layout = Array.from({ length: Math.ceil(w / cell) * Math.ceil(h / cell) }, () => Math.floor(random() * palette.length));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = palette[layout[Math.floor(y / cell) * Math.ceil(w / cell) + Math.floor(x / cell)]!]!;
      const noise = (random() - 0.5) * 20;
      for (let k = 0; k < 3; k++) f[(y * w + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k]! + noise)));
    }
  }
  return f;
}

/** A box blur of radius r, applied `passes` times: the same picture, out of focus. */
export function blur(frame: Uint8Array, w: number, h: number, r: number, passes = 2): Uint8Array {
  let src = frame;
  for (let p = 0; p < passes; p++) {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < 3; k++) {
          let sum = 0, n = 0;
          for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
            const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
            sum += src[(yy * w + xx) * 3 + k]!; n++;
          }
          out[(y * w + x) * 3 + k] = Math.round(sum / n);
        }
      }
    }
    src = out;
  }
  return src;
}

/** Scales every channel: a frame part-way through a fade to black. */
export function dim(frame: Uint8Array, factor: number): Uint8Array {
  return frame.map((v) => Math.round(v * factor));
}

/** Mulberry32: a small seeded generator, so tests are repeatable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
