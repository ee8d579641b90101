import type { EngineConfig } from './config.js';
import { FfmpegRunner } from './engine/ffmpeg.js';

/**
 * The one composition root: every part is built here from the validated config, by hand, and handed to
 * whoever needs it. Nothing else constructs adapters.
 */
export interface Engine {
  readonly ffmpeg: FfmpegRunner;
}

export function buildEngine(config: EngineConfig): Engine {
  return { ffmpeg: new FfmpegRunner(config.binaries) };
}
