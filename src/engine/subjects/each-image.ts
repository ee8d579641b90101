import type { RgbImage } from './port.js';

/**
 * Runs a model over frames one at a time (the runtimes are single-threaded), checking each is a picture it
 * can read and stopping between frames when the caller gives up.
 */
export async function eachImage<T>(images: readonly RgbImage[], signal: AbortSignal | undefined, run: (image: RgbImage) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const image of images) {
    signal?.throwIfAborted();
    checkImage(image);
    out.push(await run(image));
  }
  return out;
}

/** A picture the models can read: whole sides and as many bytes as its size says. */
function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || !(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RangeError(`an rgb24 picture of ${width}x${height} needs ${width * height * 3} bytes, got ${data?.length}`);
  }
}
