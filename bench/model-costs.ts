/**
 * What each subject model costs here, measured in this process with the adapters the model processes run
 * (no IPC): load time, and milliseconds per frame of each step on frames made the way the engine makes
 * them (640 px rgb24 from ffmpeg). Faces need faces: the landmark step runs on real portraits.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HumanFaceModel } from '../src/engine/subjects/human-faces.js';
import { locateModels } from '../src/engine/subjects/model-files.js';
import { OnnxTextModel } from '../src/engine/subjects/onnx-text.js';
import type { RgbImage } from '../src/engine/subjects/port.js';
import { TEXT_SIDE } from '../src/engine/subjects/examine.js';

export interface ModelCosts {
  readonly textLoadMs: number;
  readonly faceLoadMs: number;
  /** Milliseconds per frame. */
  readonly text: number;
  readonly subtitleBand: number;
  readonly faceDetect: number;
  readonly faceLandmarks: number;
  readonly frames: number;
}

const W = 640, H = 360;

function frames(input: string[], count: number, filter: string): RgbImage[] {
  const vf = `${filter},scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2`;
  const raw = execFileSync('ffmpeg', ['-v', 'error', ...input, '-frames:v', String(count), '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  const bytes = W * H * 3;
  return Array.from({ length: Math.floor(raw.length / bytes) }, (_, i) => ({ width: W, height: H, data: new Uint8Array(raw.subarray(i * bytes, (i + 1) * bytes)) }));
}

async function perFrame(images: readonly RgbImage[], run: (images: readonly RgbImage[]) => Promise<unknown>): Promise<number> {
  await run(images.slice(0, 2)); // warm-up: first calls compile kernels
  const started = performance.now();
  await run(images);
  return (performance.now() - started) / images.length;
}

/** `video`: a corpus file to take `count` frames from (one every 4 s); portraits come from human's sample pictures. */
export async function modelCosts(video: string, count = 24): Promise<ModelCosts> {
  const files = locateModels();
  const scenes = frames(['-i', video], count, 'fps=0.25');
  const sheet = join(files.humanModels, '..', 'assets', 'screenshot-facedetect.jpg');
  const portraits = [7, 164, 321, 478].map((x) => frames(['-i', sheet], 1, `crop=150:150:${x}:345`)[0]!);
  let t = performance.now();
  const text = await OnnxTextModel.load(files);
  const textLoadMs = performance.now() - t;
  t = performance.now();
  const faces = await HumanFaceModel.load(files);
  const faceLoadMs = performance.now() - t;
  const band = (i: RgbImage): RgbImage => ({ width: W, height: 108, data: i.data.subarray((H - 108) * W * 3) });
  return {
    textLoadMs, faceLoadMs, frames: scenes.length,
    text: await perFrame(scenes, (f) => text.detect(f, TEXT_SIDE)),
    subtitleBand: await perFrame(scenes.map(band), (f) => text.detect(f, 640)),
    faceDetect: await perFrame(scenes, (f) => faces.detect(f)),
    faceLandmarks: await perFrame([...portraits, ...portraits, ...portraits], (f) => faces.landmarks(f)),
  };
}
