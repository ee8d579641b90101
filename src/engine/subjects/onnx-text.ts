import { createRequire } from 'node:module';
import type { ModelFiles } from './model-files.js';
import { eachImage } from './each-image.js';
import type { FoundText, RgbImage, TextModel } from './port.js';
import { textRegions } from './text-regions.js';

const require = createRequire(import.meta.url);

/** The part of onnxruntime-node this adapter uses. */
interface Ort {
  InferenceSession: { create(path: string, options: object): Promise<Session> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
}

// PP-OCR was trained on BGR pictures with ImageNet's normalisation; plain RGB/255 finds text on faces.
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
/** The detector's strides: inputs are padded to a multiple of this. */
const STRIDE = 32;

/**
 * Text regions through PP-OCRv4's detection model on onnxruntime's CPU provider, one thread: the worker's
 * concurrency stays the one knob for CPU use. Memory arenas are off: frames come one at a time, and an
 * arena keeps the largest activation set ever seen for the life of the process.
 */
export class OnnxTextModel implements TextModel {
  private constructor(private readonly ort: Ort, private readonly session: Session) {}

  static async load(files: ModelFiles): Promise<OnnxTextModel> {
    const ort = require('onnxruntime-node') as Ort;
    const session = await ort.InferenceSession.create(files.textDetection, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      enableCpuMemArena: false, enableMemPattern: false,
    });
    return new OnnxTextModel(ort, session);
  }

  detect(images: readonly RgbImage[], maxSide: number, signal?: AbortSignal): Promise<FoundText[][]> {
    return eachImage(images, signal, (image) => this.detectOne(image, maxSide));
  }

  private async detectOne(image: RgbImage, maxSide: number): Promise<FoundText[]> {
    const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
    const w = Math.max(1, Math.round(image.width * scale)), h = Math.max(1, Math.round(image.height * scale));
    const W = Math.ceil(w / STRIDE) * STRIDE, H = Math.ceil(h / STRIDE) * STRIDE;
    const input = normalised(image, w, h, W, H);
    const result = await this.session.run({ [this.session.inputNames[0]!]: new this.ort.Tensor('float32', input, [1, 3, H, W]) });
    const map = result[this.session.outputNames[0]!]!;
    const [mapH, mapW] = [map.dims[2] ?? H, map.dims[3] ?? W];
    const back = image.width / w;
    return textRegions(map.data, mapW, mapH, { width: w, height: h }).map((t) => ({
      confidence: Math.round(t.confidence * 1000) / 1000,
      box: { x: t.box.x * back, y: t.box.y * back, width: t.box.width * back, height: t.box.height * back },
    }));
  }
}

/**
 * The model's input: the image resized to w × h (area-averaged, so small letters survive a downscale) in
 * the top-left of a W × H canvas, BGR planes, ImageNet-normalised. The padding is zero after normalising.
 */
function normalised(image: RgbImage, w: number, h: number, W: number, H: number): Float32Array {
  const data = new Float32Array(3 * W * H);
  const plane = W * H;
  const sx = image.width / w, sy = image.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0, g = 0, b = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0, p = (yy * image.width + x0) * 3; xx < x1; xx++, p += 3) {
          r += image.data[p]!; g += image.data[p + 1]!; b += image.data[p + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0) * 255;
      const i = y * W + x;
      data[i] = (b / n - MEAN[0]) / STD[0];
      data[plane + i] = (g / n - MEAN[1]) / STD[1];
      data[2 * plane + i] = (r / n - MEAN[2]) / STD[2];
    }
  }
  return data;
}
