import type { RgbImage } from './port.js';

/** A picture the models can read: whole sides and as many bytes as its size says. */
export function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || !(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RangeError(`an rgb24 picture of ${width}x${height} needs ${width * height * 3} bytes, got ${data?.length}`);
  }
}
