import type { AnalyzeOptions } from '../engine/analyze.js';
import type { Manifest } from '../engine/manifest.js';
import type { BlobStore, Clock, Store, TaskQueue } from './ports.js';

/** The engine as the service uses it: a video file in, covers in a directory and their manifest out. */
export interface CoverEngine {
  analyze(file: string, options: AnalyzeOptions): Promise<Manifest>;
  /** One still of the frame shown at `time` (s), scored like analyze's; invalid_argument when outside the video. */
  stillAt(file: string, time: number, options: { outDir: string; signal?: AbortSignal | undefined }): Promise<Manifest>;
}

/** Where an event goes: the URL in the job's or upload's UserData, else the global one, else nowhere. */
export type CallbackTarget = (userData: string) => string | undefined;

/** Everything the use-cases need, built once by the composition root. */
export interface ServiceDeps {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly queue: TaskQueue;
  readonly clock: Clock;
  /** New 32-hex-character ids; randomness is an argument so tests can fix it. */
  readonly newId: () => string;
  /** New random tokens of letters and digits, `length` long (access key ids and secrets). */
  readonly newToken: (length: number) => string;
}
