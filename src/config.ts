import { AppError } from './errors.js';
import { locateBinary, type FfmpegBinaries } from './engine/ffmpeg-binaries.js';

/**
 * Settings from the environment. Each is listed here once, with its help text, so that `--help` and the
 * README cannot disagree with what is read.
 */
export interface Setting {
  readonly env: string;
  readonly help: string;
}

export const ENGINE_SETTINGS: readonly Setting[] = [
  { env: 'SMARTCOVER_FFMPEG', help: 'path of the ffmpeg to use (default: ffmpeg on PATH, else the build shipped on npm)' },
  { env: 'SMARTCOVER_FFPROBE', help: 'path of the ffprobe to use (default: ffprobe on PATH, else the build shipped on npm)' },
  { env: 'SMARTCOVER_DEBUG', help: 'set to anything to print the details (argv, stderr) of internal errors' },
];

export interface EngineConfig {
  readonly binaries: FfmpegBinaries;
}

/** Validates the engine's settings, reporting every problem at once. */
export function loadEngineConfig(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  const problems: string[] = [];
  const attempt = (name: 'ffmpeg' | 'ffprobe') => {
    try {
      return locateBinary(name, env);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  const ffmpeg = attempt('ffmpeg');
  const ffprobe = attempt('ffprobe');
  if (ffmpeg === undefined || ffprobe === undefined) throw new AppError('invalid_argument', problems.join('; '));
  return Object.freeze({
    binaries: { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, ffmpegSource: ffmpeg.source, ffprobeSource: ffprobe.source },
  });
}
