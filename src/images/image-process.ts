import { AppError } from '../errors.js';
import type { ResizeParams } from './resize-plan.js';

/** One action of an `x-oss-process=image/…` chain, checked and typed. */
export type ImageOp =
  | { readonly action: 'resize'; readonly params: ResizeParams; readonly color: string; readonly gravity?: 'auto' }
  | { readonly action: 'crop'; readonly w?: number; readonly h?: number; readonly x: number; readonly y: number; readonly g: Gravity | 'face' | 'auto'; readonly p?: number }
  | { readonly action: 'format'; readonly format: OutputFormat }
  | { readonly action: 'quality'; readonly relative?: number; readonly absolute?: number }
  | { readonly action: 'interlace'; readonly on: boolean }
  | { readonly action: 'auto-orient'; readonly on: boolean }
  | { readonly action: 'rotate'; readonly degrees: number }
  | { readonly action: 'info' }
  | { readonly action: 'average-hue' }
  | { readonly action: 'blurhash' };

export type Gravity = 'nw' | 'north' | 'ne' | 'west' | 'center' | 'east' | 'sw' | 'south' | 'se';
export type OutputFormat = 'jpg' | 'png' | 'webp' | 'avif' | 'gif';

const GRAVITIES: readonly string[] = ['nw', 'north', 'ne', 'west', 'center', 'east', 'sw', 'south', 'se'];
const FORMATS: readonly string[] = ['jpg', 'png', 'webp', 'avif', 'gif'];
/** OSS actions (and formats) this service does not do: 501 NotImplemented rather than 400. */
const NOT_OURS: readonly string[] = ['blur', 'circle', 'rounded-corners', 'bright', 'contrast', 'sharpen', 'watermark', 'indexcrop'];
const NOT_OUR_FORMATS: readonly string[] = ['bmp', 'tiff', 'heic'];

/**
 * Parses the value of `x-oss-process` (`image/<action>,<k>_<v>,…/<action>…`) as OSS does: actions run left
 * to right, parameters are `k_v` pairs or a bare value for single-value actions. Every problem is an
 * AppError: invalid_argument (OSS's InvalidArgument, 400) with details.reason 'image_param' and the field,
 * or 'not_implemented' for an OSS action or format this service does not do.
 */
export function parseImageProcess(value: string): ImageOp[] {
  const [kind, ...actions] = value.split('/');
  if (kind !== 'image') throw bad('x-oss-process', `only image processing is supported (got "${clip(kind ?? '')}").`);
  if (actions.length === 0 || actions.every((a) => a === '')) throw bad('x-oss-process', 'image/ needs at least one action.');
  return actions.filter((a) => a !== '').map(parseAction);
}

function parseAction(text: string): ImageOp {
  const [name = '', ...parts] = text.split(',');
  if (NOT_OURS.includes(name)) throw notImplemented(`the ${name} action is not supported here.`);
  const pairs = new Map<string, string>();
  const bare: string[] = [];
  for (const part of parts) {
    const at = part.indexOf('_');
    if (at > 0) pairs.set(part.slice(0, at), part.slice(at + 1));
    else bare.push(part);
  }
  const int = (key: string, min: number, max: number): number | undefined => {
    const raw = pairs.get(key);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw bad(`${name}.${key}`, `must be a whole number from ${min} to ${max} (got "${clip(raw)}").`);
    return Number(raw);
  };
  const only = (...keys: string[]) => {
    for (const key of pairs.keys()) if (!keys.includes(key)) throw bad(`${name}.${key}`, `is not a parameter of ${name}.`);
  };
  const flag = (): boolean => {
    if (bare.length !== 1 || !['0', '1'].includes(bare[0]!)) throw bad(name, 'takes 0 or 1.');
    return bare[0] === '1';
  };
  switch (name) {
    case 'resize': {
      only('m', 'w', 'h', 'l', 's', 'p', 'limit', 'color', 'g');
      const mode = pairs.get('m') ?? 'lfit';
      if (!['lfit', 'mfit', 'fill', 'pad', 'fixed'].includes(mode)) throw bad('resize.m', `must be lfit, mfit, fill, pad or fixed (got "${clip(mode)}").`);
      const color = pairs.get('color') ?? 'FFFFFF';
      if (!/^[0-9A-Fa-f]{6}$/.test(color)) throw bad('resize.color', `must be six hex digits, RRGGBB (got "${clip(color)}").`);
      const g = pairs.get('g');
      if (g !== undefined && g !== 'auto') throw bad('resize.g', 'only g_auto (a subject-aware m_fill) is supported.');
      const limit = int('limit', 0, 1);
      const params: ResizeParams = {
        mode: mode as ResizeParams['mode'], limit: limit !== 0,
        ...defined({ w: int('w', 1, 16_384), h: int('h', 1, 16_384), l: int('l', 1, 16_384), s: int('s', 1, 16_384), p: int('p', 1, 1000) }),
      };
      if (params.w === undefined && params.h === undefined && params.l === undefined && params.s === undefined && params.p === undefined) {
        throw new AppError('invalid_argument', 'resize needs w, h, l, s or p.', { details: { reason: 'missing_argument', field: 'resize' } });
      }
      return { action: 'resize', params, color: color.toUpperCase(), ...(g === undefined ? {} : { gravity: 'auto' as const }) };
    }
    case 'crop': {
      only('w', 'h', 'x', 'y', 'g', 'p');
      const g = pairs.get('g') ?? 'nw';
      if (!GRAVITIES.includes(g) && g !== 'face' && g !== 'auto') throw bad('crop.g', `must be one of ${GRAVITIES.join(' ')}, face or auto (got "${clip(g)}").`);
      return {
        action: 'crop', x: int('x', 0, 30_000) ?? 0, y: int('y', 0, 30_000) ?? 0, g: g as Gravity | 'face' | 'auto',
        ...defined({ w: int('w', 1, 30_000), h: int('h', 1, 30_000), p: int('p', 1, 200) }),
      };
    }
    case 'format': {
      const format = bare.length === 1 ? bare[0]! : '';
      if (NOT_OUR_FORMATS.includes(format)) throw notImplemented(`the ${format} format is not supported here.`);
      if (!FORMATS.includes(format)) throw bad('format', `must be one of ${FORMATS.join(', ')} (got "${clip(format)}").`);
      return { action: 'format', format: (format as OutputFormat) };
    }
    case 'quality': {
      only('q', 'Q');
      const relative = int('q', 1, 100);
      const absolute = int('Q', 1, 100);
      if (relative === undefined && absolute === undefined) throw bad('quality', 'needs q_ (relative) or Q_ (absolute), 1–100.');
      return { action: 'quality', ...defined({ relative, absolute }) };
    }
    case 'interlace':
    case 'auto-orient':
      return name === 'interlace' ? { action: 'interlace', on: flag() } : { action: 'auto-orient', on: flag() };
    case 'rotate': {
      if (bare.length !== 1 || !/^\d+$/.test(bare[0]!) || Number(bare[0]) > 360) throw bad('rotate', 'takes degrees, 0 to 360.');
      return { action: 'rotate', degrees: Number(bare[0]) };
    }
    case 'info':
    case 'average-hue':
    case 'blurhash':
      if (parts.length > 0) throw bad(name, 'takes no parameters.');
      return { action: name };
    default:
      throw bad('x-oss-process', `unknown action "${clip(name)}".`);
  }
}

function defined<T extends Record<string, number | undefined>>(values: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}

function bad(field: string, why: string): AppError {
  return new AppError('invalid_argument', `The parameter ${field} ${why}`, { details: { reason: 'image_param', field } });
}

function notImplemented(why: string): AppError {
  return new AppError('invalid_argument', `Not implemented: ${why}`, { details: { reason: 'not_implemented' } });
}

/** What of a client's text goes back in a message: short, printable. */
function clip(text: string): string {
  return text.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
}
