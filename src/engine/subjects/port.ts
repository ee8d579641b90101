/**
 * The port between the cover engine and the models that see people and text: frames in, findings out.
 * The engine decides which frames to show and what the findings mean (see examine.ts, appeal.ts); the
 * adapters (one per runtime: human-faces.ts on tfjs-wasm, onnx-text.ts on onnxruntime) only run models.
 * Every box is in the pixels of the image it was found in.
 */

/** An rgb24 picture, row by row, three bytes a pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A face the detector found: where, and how sure it is (0..1). */
export interface FoundFace {
  readonly box: Box;
  readonly confidence: number;
}

/** A face looked at closely: the face mesh and the iris model ran on it. */
export interface FaceLandmarks extends FoundFace {
  /** 0..1: how sure the mesh is that this is a face (letters and textures score low). */
  readonly meshConfidence: number;
  /** Eye aspect ratio of each eye (lid gap over eye width): ~0.2–0.35 open, under ~0.15 closed. */
  readonly eyes: { readonly left: number; readonly right: number };
  /** Head rotation in degrees: 0, 0, 0 faces the camera. */
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

/** A region of text (a word, a line) the text detector found. */
export interface FoundText {
  readonly box: Box;
  readonly confidence: number;
}

/** Faces: a cheap detector for every candidate, the mesh only for frames that can still win. */
export interface FaceModel {
  detect(images: readonly RgbImage[], signal?: AbortSignal): Promise<FoundFace[][]>;
  landmarks(images: readonly RgbImage[], signal?: AbortSignal): Promise<FaceLandmarks[][]>;
}

export interface TextModel {
  /** Text regions; `maxSide` bounds the resolution the model sees (cost grows with its square). */
  detect(images: readonly RgbImage[], maxSide: number, signal?: AbortSignal): Promise<FoundText[][]>;
}

/** What the engine is given when subjects are on. */
export interface SubjectModels {
  readonly faces: FaceModel;
  readonly text: TextModel;
  /**
   * Keeps one model ready across several calls (its process is not stopped between them); call the
   * returned function when done. Without a hold a model may give its memory back after each call.
   */
  hold(model: 'faces' | 'text'): () => void;
  /** Gives back what the models hold (their processes); they start again on the next call. */
  close(): Promise<void>;
}
