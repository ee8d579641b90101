import { encode } from 'blurhash';
import sharp, { type Sharp } from 'sharp';

/**
 * A picture's BlurHash (https://blurha.sh): 4×3 components, the usual choice for a 16:9 or 4:3 cover, a
 * ~28-character string a page paints as a blurred placeholder while the picture loads. Computed from a
 * 32-px-wide copy: the hash only keeps the lowest frequencies, so more pixels add cost and nothing else.
 */
export async function blurhashOf(input: string | Buffer | Sharp): Promise<string> {
  const image = typeof input === 'string' || Buffer.isBuffer(input) ? sharp(input, { pages: 1 }) : input;
  const { data, info } = await image.resize({ width: 32, height: 32, fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return encode(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, 4, 3);
}
