import { AppError } from '../errors.js';

/** A picture's size in pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/** `image/resize`'s parameters, as OSS documents them (../shared/spec/vod-images.md). */
export interface ResizeParams {
  readonly mode: 'lfit' | 'mfit' | 'fill' | 'pad' | 'fixed';
  readonly w?: number;
  readonly h?: number;
  /** The long side. */
  readonly l?: number;
  /** The short side. */
  readonly s?: number;
  /** Percent, 1–1000. */
  readonly p?: number;
  /** Never enlarge (OSS's default, limit_1). */
  readonly limit: boolean;
}

/**
 * What a resize does to a picture: scale it to `scale`, then (fill) cut `box` from its centre or (pad)
 * centre it on a `box` canvas. `box` is the output size in every case.
 */
export interface ResizePlan {
  readonly scale: Size;
  readonly then: 'none' | 'crop' | 'pad';
  readonly box: Size;
}

const MAX_SIDE = 16_384;
const MAX_PIXELS = 16_777_216;

/**
 * OSS's resize geometry, a pure function of the source size and the parameters. w/h win over l/s, and
 * both over p. With one of w/h, the other follows the aspect (m_fixed: it takes the same value). lfit is the
 * largest size inside the box, mfit the smallest covering it; fill is mfit cut to the box, pad is lfit
 * centred on it. With `limit` (the default) a resize that would enlarge the picture leaves it as it is.
 * The spec's example, 200×100 with w 150 and h 80: lfit 150×75, mfit 160×80, fill, pad and fixed 150×80.
 */
export function resizePlan(source: Size, params: ResizeParams): ResizePlan {
  const { width: W, height: H } = source;
  const landscape = W >= H;
  // The box asked for, in the picture's own orientation; a side left open is undefined.
  let bw: number | undefined;
  let bh: number | undefined;
  if (params.w !== undefined || params.h !== undefined) {
    bw = params.w;
    bh = params.h;
  } else if (params.l !== undefined || params.s !== undefined) {
    bw = landscape ? params.l : params.s;
    bh = landscape ? params.s : params.l;
  } else if (params.p !== undefined) {
    const f = params.p / 100;
    return checked(source, params, { scale: sized(W * f, H * f), then: 'none', box: sized(W * f, H * f) });
  } else {
    // parseImageProcess refuses such a request; reaching this is a bug.
    throw new AppError('internal', 'resizePlan called without a size');
  }

  if (params.mode === 'fixed') {
    const box = sized(bw ?? bh!, bh ?? bw!);
    return checked(source, params, { scale: box, then: 'none', box });
  }
  const fx = bw === undefined ? undefined : bw / W;
  const fy = bh === undefined ? undefined : bh / H;
  const one = fx ?? fy!;
  const inside = fx !== undefined && fy !== undefined ? Math.min(fx, fy) : one;
  const covering = fx !== undefined && fy !== undefined ? Math.max(fx, fy) : one;
  switch (params.mode) {
    case 'lfit': {
      const scale = sized(W * inside, H * inside);
      return checked(source, params, { scale, then: 'none', box: scale });
    }
    case 'mfit': {
      const scale = sized(W * covering, H * covering);
      return checked(source, params, { scale, then: 'none', box: scale });
    }
    case 'fill': {
      const scale = sized(W * covering, H * covering);
      return checked(source, params, { scale, then: 'crop', box: sized(bw ?? scale.width, bh ?? scale.height) });
    }
    case 'pad': {
      const scale = sized(W * inside, H * inside);
      return checked(source, params, { scale, then: 'pad', box: sized(bw ?? scale.width, bh ?? scale.height) });
    }
  }
}

/** Whole pixels, at least one. */
function sized(width: number, height: number): Size {
  return { width: Math.max(1, Math.round(width)), height: Math.max(1, Math.round(height)) };
}

/** limit_1 keeps a picture that would grow as it is; the output may not pass OSS's bounds. */
function checked(source: Size, params: ResizeParams, plan: ResizePlan): ResizePlan {
  if (params.limit && (plan.scale.width > source.width || plan.scale.height > source.height)) {
    return { scale: source, then: 'none', box: source };
  }
  if (plan.box.width > MAX_SIDE || plan.box.height > MAX_SIDE || plan.box.width * plan.box.height > MAX_PIXELS) {
    throw new AppError('invalid_argument', `The resized image would be ${plan.box.width}×${plan.box.height}: at most ${MAX_SIDE} px a side and ${MAX_PIXELS} pixels.`, { details: { reason: 'image_too_large' } });
  }
  return plan;
}
