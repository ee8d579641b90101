import type { FrameFeatures } from './features.js';

/** Why a frame must not be a cover when the video has anything better. */
export type Defect = 'damaged' | 'dark' | 'blown_out' | 'uniform' | 'blurry' | 'transition';

/**
 * Share of the frame in decoder fill (see FrameFeatures.damage) past which a frame is damaged. A real
 * picture has none; a decoding that lost a slice or its references loses a macroblock row or more.
 */
const DAMAGE_SHARE = 0.04;

/** Sub-scores, each 0..1 (higher is better), kept in the manifest so a ranking can be explained. */
export interface QualityScores {
  readonly exposure: number;
  readonly contrast: number;
  readonly sharpness: number;
  readonly colourfulness: number;
  readonly detail: number;
  /** Weighted blend of the above. */
  readonly quality: number;
}

/** What "sharp" means in this video: frames are judged against the video's own best, not only an absolute bar. */
export interface VideoReference {
  /** Blur of the video's crisper frames (25th percentile of the frames that have content). */
  readonly blur: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Above this re-blur value a frame is soft whatever the video. Measured on the generated clips at 320 px:
 * crisp shots 0.08–0.38 (a smooth fractal 0.35), the same shots under a Gaussian blur 0.41–0.76.
 */
export const ABSOLUTE_BLUR = 0.55;
/**
 * A frame this much blurrier than the video's crisp frames, with few edges left, is a blurred stretch
 * (focus pull, motion blur) even when its absolute blur would pass.
 */
export const RELATIVE_BLUR = 0.25;
const FEW_EDGES = 0.025;

export function qualityOf(f: FrameFeatures, reference: VideoReference): QualityScores {
  // Exposure: mid-grey is ideal; a wide margin either way is fine; crushed or clipped areas cost. A low-key
  // picture (night, stage, candle light) is judged on what is lit instead: a well-exposed bright region
  // earns most of the score whatever the mean.
  const overall =
    clamp01(1 - Math.max(0, Math.abs(f.luma - 0.45) - 0.17) / 0.3) *
    (1 - 0.8 * clamp01((f.dark - 0.3) / 0.6)) *
    (1 - 0.8 * clamp01((f.clipped - 0.1) / 0.5));
  const lowKey = 0.8 * clamp01((f.lit - 0.12) / 0.23) * clamp01((f.p99 - 0.2) / 0.25) * (1 - 0.8 * clamp01((f.clipped - 0.1) / 0.5));
  const exposure = Math.max(overall, lowKey);
  const contrast = clamp01(f.contrast / 0.2);
  // Sharpness relative to the video's crisp frames, and never high for a frame that is soft in absolute terms.
  const sharpness = clamp01((0.62 - f.blur) / 0.4) * (1 - 0.5 * clamp01((f.blur - reference.blur) / 0.4));
  const colourfulness = clamp01(f.colourfulness / 70);
  const detail = clamp01((f.entropy - 2) / 4.5) * clamp01((f.p95 - f.p05) / 0.4);
  const quality = 0.3 * sharpness + 0.25 * exposure + 0.15 * contrast + 0.15 * colourfulness + 0.15 * detail;
  return { exposure, contrast, sharpness, colourfulness, detail, quality };
}

/** The hard filters of a single frame (transitions need neighbours: see transitionDefects). */
/**
 * Codecs whose decoders conceal lost data by painting flat blocks (block-transform codecs with motion
 * compensation). Palette and vector-quantisation codecs (MS Video 1, Cinepak, QuickTime RLE, RPZA…) draw
 * every picture from exact flat blocks, so for them only the decoder's own reports count.
 */
const CONCEALING = /^(h264|hevc|av1|vp[89]|theora|mpeg[124]video|mpeg4|msmpeg4(v[123])?|h263p?|flv1|wmv[123]|vc1|mjpeg|rv[1-4]0)$/;

/**
 * Whether a frame of a pass looks concealed: its codec conceals, the pass's decoder logged errors, and the
 * frame carries decoder fill. Concealment happens only where a decoder hit an error, and it always logs
 * one; without that, flat green and grey are the picture's own (graphics, cartoons, test patterns).
 */
export function looksConcealed(f: FrameFeatures, codec: string, decoderComplained: boolean): boolean {
  return decoderComplained && CONCEALING.test(codec) && f.damage > DAMAGE_SHARE;
}

/** The hard filters of a single frame; `damaged` is the decoder's word (see looksConcealed), passed in. */
export function frameDefects(f: FrameFeatures, reference: VideoReference, damaged = false): Defect[] {
  const defects: Defect[] = [];
  if (damaged) defects.push('damaged');
  if (isDark(f)) defects.push('dark');
  if (f.luma > 0.88 && f.p05 > 0.7) defects.push('blown_out');
  if (isFlat(f)) defects.push('uniform');
  else if (f.blur > ABSOLUTE_BLUR || (f.blur > reference.blur + RELATIVE_BLUR && f.edges < FEW_EDGES)) defects.push('blurry');
  return defects;
}

/**
 * Nothing usable is lit: dark on average, and neither the brightest pixels (99th percentile) nor the
 * brightest region of the frame reach a visible level. Judging by the lit part keeps night scenes and
 * candle-lit faces, which have a dark mean; noise alone in the dark lifts a few pixels but no region.
 */
export function isDark(f: FrameFeatures): boolean {
  return f.luma < 0.1 && (f.p99 < 0.22 || f.lit < 0.12);
}

/**
 * A blank or flat card. Hecate's "80 % of pixels in 5 % of the bins" test also condemns graphics and
 * synthetic patterns with a few flat colours (measured: 0.88 on a test pattern), so flatness is judged by
 * the spread of grey levels and their entropy instead.
 */
function isFlat(f: FrameFeatures): boolean {
  return f.p95 - f.p05 < 0.1 || f.entropy < 1.5;
}

/** The reference blur of a video: the crisp end of the frames that have any content at all. */
export function videoReference(frames: readonly FrameFeatures[]): VideoReference {
  const withContent = frames.filter((f) => !isFlat(f) && !isDark(f)).map((f) => f.blur);
  if (withContent.length === 0) return { blur: ABSOLUTE_BLUR };
  withContent.sort((a, b) => a - b);
  const crisp = withContent[Math.floor((withContent.length - 1) * 0.25)]!;
  return { blur: Math.min(crisp, ABSOLUTE_BLUR) };
}
