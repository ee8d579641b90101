import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelFiles } from './model-files.js';
import { eachImage } from './each-image.js';
import type { Box, FaceLandmarks, FaceModel, FoundFace, RgbImage } from './port.js';

const require = createRequire(import.meta.url);

/** The part of human's result this adapter reads. */
interface HumanFace {
  readonly score: number;
  readonly boxScore: number;
  readonly faceScore: number;
  readonly box: readonly [number, number, number, number];
  readonly mesh: readonly (readonly number[])[];
  readonly rotation?: { readonly angle: { readonly yaw: number; readonly pitch: number; readonly roll: number } } | null;
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: unknown, config: object): Promise<{ face: HumanFace[]; error?: string | null }>;
}
interface Tfjs {
  tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
  io: {
    registerLoadRouter(router: (url: unknown) => unknown): void;
    getModelArtifactsForJSON(json: unknown, load: (manifest: { paths: string[]; weights: unknown[] }[]) => Promise<[unknown[], ArrayBuffer]>): Promise<unknown>;
  };
}

/** Detector score below which a box is not a face (BlazeFace at this size: 21 of 22 photo faces kept). */
const MIN_CONFIDENCE = 0.6;
const MAX_FACES = 10;
/** The face mesh's eye contour points (468-point topology): corners, then two upper and two lower lid points. */
const RIGHT_EYE = [33, 160, 158, 133, 153, 144] as const;
const LEFT_EYE = [362, 385, 387, 263, 373, 380] as const;
const DEGREES = 180 / Math.PI;

/**
 * Faces through @vladmandic/human on the tfjs wasm backend (single-threaded in Node): BlazeFace for every
 * frame, face mesh and iris only when asked. Frames are padded to a square here: human would stretch 16:9
 * into its square input and lose faces, and its own `square` option shifts the boxes. Everything webcam
 * streams want (frame skipping, result caching, smoothing) is off: these frames are independent.
 */
export class HumanFaceModel implements FaceModel {
  private constructor(private readonly tf: Tfjs, private readonly human: HumanInstance) {}

  /** Loads the library and the detector; the mesh and iris models load on the first `landmarks` call. */
  static async load(files: ModelFiles): Promise<HumanFaceModel> {
    const tf = require('@tensorflow/tfjs-core') as Tfjs;
    // Node 20's fetch does not read file:// URLs, which is how human names its models: load them from disk.
    tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(tf, fileURLToPath(url)) : null));
    const { Human } = require(files.humanLibrary) as { Human: new (config: object) => HumanInstance };
    const human = new Human({
      backend: 'wasm',
      wasmPath: `${files.wasmDir}/`,
      modelBasePath: pathToFileURL(`${files.humanModels}/`).href,
      debug: false, warmup: 'none', cacheSensitivity: 0, skipAllowed: false, cacheModels: false,
      filter: { enabled: false }, gesture: { enabled: false }, body: { enabled: false }, hand: { enabled: false },
      object: { enabled: false }, segmentation: { enabled: false },
      face: faceConfig(false),
    });
    await human.load();
    return new HumanFaceModel(tf, human);
  }

  async detect(images: readonly RgbImage[], signal?: AbortSignal): Promise<FoundFace[][]> {
    return eachImage(images, signal, async (image) =>
      (await this.run(image, false)).map((f) => ({ box: clip(f.box, image), confidence: round(f.boxScore) })));
  }

  async landmarks(images: readonly RgbImage[], signal?: AbortSignal): Promise<FaceLandmarks[][]> {
    return eachImage(images, signal, async (image) =>
      (await this.run(image, true)).filter((f) => f.mesh.length >= 468).map((f): FaceLandmarks => ({
        box: clip(f.box, image),
        confidence: round(f.boxScore),
        meshConfidence: round(f.faceScore),
        eyes: { left: round(aspectRatio(f.mesh, LEFT_EYE)), right: round(aspectRatio(f.mesh, RIGHT_EYE)) },
        yaw: Math.round((f.rotation?.angle.yaw ?? 0) * DEGREES),
        pitch: Math.round((f.rotation?.angle.pitch ?? 0) * DEGREES),
        roll: Math.round((f.rotation?.angle.roll ?? 0) * DEGREES),
      })));
  }

  private async run(image: RgbImage, mesh: boolean): Promise<HumanFace[]> {
    const side = Math.max(image.width, image.height);
    const square = new Uint8Array(side * side * 3);
    // Padded on the right and at the bottom: boxes come back in the image's own pixels.
    for (let y = 0; y < image.height; y++) square.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), y * side * 3);
    const tensor = this.tf.tensor3d(square, [side, side, 3], 'int32');
    try {
      const result = await this.human.detect(tensor, { face: faceConfig(mesh) });
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      return result.face.filter((f) => f.boxScore >= MIN_CONFIDENCE && f.box[2] > 0 && f.box[3] > 0);
    } finally {
      tensor.dispose();
    }
  }
}

function faceConfig(mesh: boolean): object {
  return {
    enabled: true,
    detector: { rotation: false, maxDetected: MAX_FACES, minConfidence: MIN_CONFIDENCE, skipFrames: 0, skipTime: 0, return: false },
    mesh: { enabled: mesh, keepInvalid: false },
    iris: { enabled: mesh },
    emotion: { enabled: false }, description: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false }, attention: { enabled: false },
  };
}

/** A tfjs model handler that reads model.json and its weight files from disk. */
function fileHandler(tf: Tfjs, path: string): { load(): Promise<unknown> } {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(path, 'utf8')) as unknown;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const parts: Buffer[] = [];
        for (const group of manifest) for (const p of group.paths) parts.push(await readFile(join(dirname(path), p)));
        const all = Buffer.concat(parts);
        return [manifest.flatMap((g) => g.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
      });
    },
  };
}

/** Eye aspect ratio (Soukupová & Čech 2016): mean lid gap over the eye's width. */
function aspectRatio(mesh: readonly (readonly number[])[], eye: readonly number[]): number {
  const p = eye.map((i) => mesh[i]!);
  const d = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
  const width = d(p[0]!, p[3]!);
  return width === 0 ? 0 : (d(p[1]!, p[5]!) + d(p[2]!, p[4]!)) / (2 * width);
}

function clip(box: readonly [number, number, number, number], image: RgbImage): Box {
  const x = Math.max(0, box[0]), y = Math.max(0, box[1]);
  const right = Math.min(image.width, box[0] + box[2]), bottom = Math.min(image.height, box[1] + box[3]);
  return { x: Math.round(x), y: Math.round(y), width: Math.round(Math.max(0, right - x)), height: Math.round(Math.max(0, bottom - y)) };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
