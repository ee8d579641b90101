import { AppError } from './errors.js';
import { locateBinary, type FfmpegBinaries } from './engine/ffmpeg-binaries.js';
import { locateModels, type ModelFiles } from './engine/subjects/model-files.js';

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
  { env: 'SMARTCOVER_SUBJECTS', help: "'off' ranks covers without the face and text models (same as --no-subjects; default 'on')" },
  { env: 'SMARTCOVER_DEBUG', help: 'set to anything to print the details (argv, stderr) of internal errors' },
];

export interface EngineConfig {
  readonly binaries: FfmpegBinaries;
  /** The face and text models' files, checked at start-up; undefined when subjects are off. */
  readonly subjects: ModelFiles | undefined;
}

/** Validates the engine's settings, reporting every problem at once. `noSubjects`: the --no-subjects flag. */
export function loadEngineConfig(env: Readonly<Record<string, string | undefined>>, flags: { readonly noSubjects?: boolean | undefined } = {}): EngineConfig {
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
  const setting = (env['SMARTCOVER_SUBJECTS'] ?? '').trim().toLowerCase();
  if (!['', 'on', 'off'].includes(setting)) problems.push(`SMARTCOVER_SUBJECTS must be 'on' or 'off' (got '${env['SMARTCOVER_SUBJECTS']}')`);
  let subjects: ModelFiles | undefined;
  if (flags.noSubjects !== true && setting !== 'off') {
    try {
      subjects = locateModels();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (ffmpeg === undefined || ffprobe === undefined || problems.length > 0) throw new AppError('invalid_argument', problems.join('; '));
  return Object.freeze({
    binaries: { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, ffmpegSource: ffmpeg.source, ffprobeSource: ffprobe.source },
    subjects,
  });
}
