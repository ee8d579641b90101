import sharp, { type Sharp } from 'sharp';
import { AppError } from '../errors.js';
import { blurhashOf } from './blurhash-of.js';
import { faceCrop, gravityCrop, moveSubjects, placeBox, subjectBoxSize, type Box, type Subjects } from './crop-box.js';
import type { ImageOp, OutputFormat } from './image-process.js';
import { resizePlan, type Size } from './resize-plan.js';
import { saliencyPeak } from './saliency.js';

/** A rendition: its bytes and what they are. */
export interface Rendered {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface RenderOptions {
  /** The picture's faces, clearest first, in its own pixels (from the cover's subject analysis). */
  readonly faces: readonly Box[];
  /** Largest source picture decoded, pixels (all frames of an animation together). */
  readonly maxPixels: number;
}

/** OSS's limits on a source picture. */
const MAX_SOURCE_BYTES = 20 * 1024 * 1024;
const MAX_SOURCE_SIDE = 30_000;

export const CONTENT_TYPES: Readonly<Record<OutputFormat | 'json', string>> = {
  jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif', json: 'application/json',
};

/** Output qualities when the request names none (sharp's own defaults, written down so that they do not move). */
const DEFAULT_QUALITY = { jpg: 80, webp: 80, avif: 50 } as const;

/**
 * Runs an `x-oss-process` chain on a picture, left to right as OSS does, with libvips (sharp). Each
 * geometric step (resize, crop, rotate, auto-orient) sees the previous step's pixels: sharp orders the
 * operations of one pipeline itself, so a step after another starts a new pipeline from the raw pixels.
 * An animated GIF stays animated when the output is GIF or WebP (every frame gets the same steps);
 * any other output takes its first frame. `info`, `average-hue` and `blurhash` answer JSON.
 */
export async function renderImage(source: Buffer, ops: readonly ImageOp[], options: RenderOptions): Promise<Rendered> {
  checkSourceBytes(source.length);
  const meta = await sharp(source).metadata().catch((error: unknown) => {
    throw new AppError('invalid_media', 'The source picture cannot be read.', { cause: error, details: { reason: 'bad_image' } });
  });
  const pages = meta.pages ?? 1;
  const frame: Size = { width: meta.width, height: meta.pageHeight ?? meta.height };
  if (frame.width > MAX_SOURCE_SIDE || frame.height > MAX_SOURCE_SIDE || frame.width * frame.height * pages > options.maxPixels) {
    throw tooLarge(`The source picture is ${frame.width}×${frame.height}${pages > 1 ? ` × ${pages} frames` : ''}: too large to process here.`);
  }
  const sourceFormat: OutputFormat = meta.format === 'jpeg' ? 'jpg' : meta.format === 'gif' ? 'gif' : meta.format === 'webp' ? 'webp' : 'png';

  if (ops.some((op) => op.action === 'info')) {
    // OSS's info describes the stored picture, whatever else the chain asks.
    return json({
      FileSize: { value: String(source.length) }, Format: { value: sourceFormat }, FrameCount: { value: String(pages) },
      ImageHeight: { value: String(frame.height) }, ImageWidth: { value: String(frame.width) },
    });
  }

  const format = [...ops].reverse().find((op) => op.action === 'format')?.format ?? sourceFormat;
  const animated = pages > 1 && (format === 'gif' || format === 'webp');
  const open = () => sharp(source, { limitInputPixels: options.maxPixels, ...(animated ? { animated: true } : { pages: 1 }) });

  let image = open();
  let size = frame;
  // Whether `image` already has a geometric step: the next one starts from its pixels.
  let pending = false;
  let subjects: Subjects = { faces: options.faces };
  const needsFocus = options.faces.length === 0 && ops.some((op) => (op.action === 'crop' && (op.g === 'auto' || op.g === 'face')) || (op.action === 'resize' && op.gravity === 'auto'));
  if (needsFocus) subjects = { faces: [], focus: await saliencyPeak(source, frame) };

  const step = async (apply: (current: Sharp) => Sharp, next: Size) => {
    if (pending) image = await materialize(image, animated);
    image = apply(image);
    size = next;
    pending = true;
  };

  let quality: number | undefined;
  let interlace = false;
  for (const op of ops) {
    switch (op.action) {
      case 'resize': {
        const plan = resizePlan(size, op.params);
        const fx = plan.scale.width / size.width;
        const fy = plan.scale.height / size.height;
        const scaled = moveSubjects(subjects, fx, fy);
        let box: Box | undefined;
        if (plan.then === 'crop') {
          box = op.gravity === 'auto'
            ? placeBox(plan.scale, plan.box, scaled)
            : { x: Math.floor((plan.scale.width - plan.box.width) / 2), y: Math.floor((plan.scale.height - plan.box.height) / 2), ...plan.box };
        }
        const pad = plan.then === 'pad' ? { left: Math.floor((plan.box.width - plan.scale.width) / 2), top: Math.floor((plan.box.height - plan.scale.height) / 2) } : undefined;
        await step((current) => {
          let next = current.resize(plan.scale.width, plan.scale.height, { fit: 'fill' });
          if (box !== undefined) next = next.extract({ left: box.x, top: box.y, width: box.width, height: box.height });
          if (pad !== undefined) {
            next = next.extend({
              left: pad.left, top: pad.top, right: plan.box.width - plan.scale.width - pad.left, bottom: plan.box.height - plan.scale.height - pad.top,
              background: `#${op.color}`,
            });
          }
          return next;
        }, plan.box);
        subjects = pad === undefined ? moveSubjects(subjects, fx, fy, box) : moveSubjects(subjects, fx, fy, { x: -pad.left, y: -pad.top, ...plan.box });
        break;
      }
      case 'crop': {
        let box: Box | undefined;
        if (op.g === 'face' || op.g === 'auto') {
          const faces = subjects.faces;
          if (op.w !== undefined || op.h !== undefined || op.g === 'auto') box = placeBox(size, subjectBoxSize(size, op.w, op.h), subjects);
          else box = faceCrop(size, faces, op.p ?? 100);
        } else {
          box = gravityCrop(size, { w: op.w, h: op.h, x: op.x, y: op.y, g: op.g });
        }
        if (box === undefined) break;
        const cut = box;
        await step((current) => current.extract({ left: cut.x, top: cut.y, width: cut.width, height: cut.height }), cut);
        subjects = moveSubjects(subjects, 1, 1, cut);
        break;
      }
      case 'rotate':
      case 'auto-orient': {
        if (op.action === 'rotate' ? op.degrees % 360 === 0 : !op.on) break;
        if (animated) {
          // An animation's orientation tag, if it has one, is left as it is: GIF has none, and libvips
          // applies one to single pictures only.
          if (op.action === 'auto-orient') break;
          ({ image, frame: size } = await rotateFrames(pending ? await materialize(image, animated) : image, size.height, op.degrees));
          pending = false;
          subjects = { faces: [] };
          break;
        }
        if (pending) image = await materialize(image, animated);
        image = op.action === 'rotate' ? image.rotate(op.degrees, { background: '#ffffff' }) : image.autoOrient();
        // The new size is known once the pixels are: turned faces are not tracked (later crops centre).
        image = await materialize(image, animated);
        const { width = size.width, height = size.height } = await image.metadata();
        size = { width, height: animated ? size.height : height };
        pending = false;
        subjects = { faces: [] };
        break;
      }
      case 'quality':
        quality = op.absolute ?? op.relative;
        break;
      case 'interlace':
        interlace = op.on;
        break;
      case 'average-hue': {
        const { channels } = await (pending ? await materialize(image, animated) : image).stats();
        const hex = channels.slice(0, 3).map((c: { mean: number }) => Math.round(c.mean).toString(16).padStart(2, '0')).join('');
        return json({ RGB: `0x${hex}` });
      }
      case 'blurhash':
        return json({ BlurHash: await blurhashOf(pending ? await materialize(image, animated) : image) });
      case 'format':
      case 'info':
        break;
    }
  }
  return { body: await encode(image, format, { quality, interlace, loop: meta.loop, delay: meta.delay }), contentType: CONTENT_TYPES[format] };
}

async function encode(image: Sharp, format: OutputFormat, o: { quality: number | undefined; interlace: boolean; loop: number | undefined; delay: number[] | undefined }): Promise<Buffer> {
  const timing = { ...(o.loop === undefined ? {} : { loop: o.loop }), ...(o.delay === undefined ? {} : { delay: o.delay }) };
  switch (format) {
    case 'jpg':
      // JPEG has no transparency: OSS fills it with white.
      return image.flatten({ background: '#ffffff' }).jpeg({ quality: o.quality ?? DEFAULT_QUALITY.jpg, progressive: o.interlace }).toBuffer();
    case 'webp':
      return image.webp({ quality: o.quality ?? DEFAULT_QUALITY.webp, ...timing }).toBuffer();
    case 'avif':
      // effort 2 of 9: AV1 is slow to encode, and a rendition is made while someone waits for it.
      return image.avif({ quality: o.quality ?? DEFAULT_QUALITY.avif, effort: 2 }).toBuffer();
    case 'gif':
      return image.gif(timing).toBuffer();
    case 'png':
      return image.png().toBuffer();
  }
}

/**
 * Turns every frame of an animation, in order, as a new animated pipeline. libvips turns a single picture
 * only: it refuses an animation, or at 180° turns the whole strip of frames, which plays it backwards.
 * The frames are cut from the decoded strip and turned each on its own; all come out the same size.
 */
async function rotateFrames(image: Sharp, pageHeight: number, degrees: number): Promise<{ image: Sharp; frame: Size }> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const frames = await Promise.all(Array.from({ length: Math.round(info.height / pageHeight) }, (_, i) =>
    sharp(data, { raw }).extract({ left: 0, top: i * pageHeight, width: info.width, height: pageHeight })
      .rotate(degrees, { background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true })));
  const turned = frames[0]!.info;
  const strip = sharp(Buffer.concat(frames.map((f) => f.data)), {
    raw: { width: turned.width, height: turned.height * frames.length, channels: turned.channels, pageHeight: turned.height }, animated: true,
  });
  return { image: strip, frame: { width: turned.width, height: turned.height } };
}

/** The pixels so far as a new pipeline, so that the next step sees them (sharp reorders steps within one). */
async function materialize(image: Sharp, animated: boolean): Promise<Sharp> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels, ...(animated && info.pageHeight !== undefined ? { pageHeight: info.pageHeight } : {}) }, ...(animated ? { animated: true } : {}) });
}

function json(body: unknown): Rendered {
  return { body: Buffer.from(JSON.stringify(body)), contentType: CONTENT_TYPES.json };
}

/** OSS's limit on a source picture's bytes: ImageTooLarge past it (checked before a stored picture is read, too). */
export function checkSourceBytes(bytes: number): void {
  if (bytes > MAX_SOURCE_BYTES) throw tooLarge(`The source picture is ${bytes} bytes; at most ${MAX_SOURCE_BYTES} can be processed.`);
}

function tooLarge(message: string): AppError {
  return new AppError('invalid_argument', message, { details: { reason: 'image_too_large' } });
}
