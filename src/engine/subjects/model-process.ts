/**
 * The entry of a model process (see model-host.ts): `node model-process.js faces|text`, with the model
 * files as JSON in SMARTCOVER_MODEL_FILES. It loads its one model, says so, then answers requests until
 * its parent disconnects. Each runtime keeps the memory it grew to until its process ends (tfjs-wasm's
 * heap never shrinks), which is why the models live here and not in the engine's process.
 */
import { HumanFaceModel } from './human-faces.js';
import type { ModelFiles } from './model-files.js';
import { OnnxTextModel } from './onnx-text.js';
import type { FaceModel, RgbImage, TextModel } from './port.js';

/** A request from the host, and the answer to it. */
export type ModelRequest =
  | { readonly id: number; readonly method: 'faces.detect' | 'faces.landmarks'; readonly images: readonly RgbImage[] }
  | { readonly id: number; readonly method: 'text.detect'; readonly images: readonly RgbImage[]; readonly maxSide: number };
/** A request as the host sends it, before it is numbered. */
export type ModelCall = ModelRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;
export type ModelReply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string }
  | { readonly ready: true }
  | { readonly failed: string };

async function serve(kind: string, files: ModelFiles): Promise<void> {
  const send = (message: ModelReply) => process.send?.(message);
  let faces: FaceModel | undefined;
  let text: TextModel | undefined;
  try {
    if (kind === 'faces') faces = await HumanFaceModel.load(files);
    else if (kind === 'text') text = await OnnxTextModel.load(files);
    else throw new Error(`unknown model kind '${kind}'`);
  } catch (error) {
    send({ failed: error instanceof Error ? error.message : String(error) });
    process.disconnect?.();
    return;
  }
  // One request at a time, in order: the runtimes are single-threaded anyway.
  let queue = Promise.resolve();
  process.on('message', (request: ModelRequest) => {
    queue = queue.then(async () => {
      try {
        let result: unknown;
        if (request.method === 'text.detect') result = await text!.detect(request.images, request.maxSide);
        else if (request.method === 'faces.detect') result = await faces!.detect(request.images);
        else result = await faces!.landmarks(request.images);
        send({ id: request.id, result });
      } catch (error) {
        send({ id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

await serve(process.argv[2] ?? '', JSON.parse(process.env['SMARTCOVER_MODEL_FILES'] ?? '{}') as ModelFiles);
