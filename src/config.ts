import { AppError } from './errors.js';
import { findOnPath, locateBinary, type FfmpegBinaries } from './engine/ffmpeg-binaries.js';
import type { ProcessLimits } from './engine/ffmpeg.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './engine/media-limits.js';
import { locateModels, type ModelFiles } from './engine/subjects/model-files.js';

/**
 * Settings from the environment. Each is listed here once, with its help text, so that `--help` and the
 * README cannot disagree with what is read.
 */
export interface Setting {
  readonly env: string;
  readonly help: string;
}

/** What one ffmpeg may hold: an 8K HEVC decode with its reference frames fits with room to spare. */
const DEFAULT_FFMPEG_MEMORY_MIB = 1024;
/** No output the engine writes comes near this (a 1920-px PNG is a few MB; the raw frame files less). */
const FFMPEG_FILE_BYTES = 1024 ** 3;

export const ENGINE_SETTINGS: readonly Setting[] = [
  { env: 'SMARTCOVER_FFMPEG', help: 'path of the ffmpeg to use (default: ffmpeg on PATH, else the build shipped on npm)' },
  { env: 'SMARTCOVER_FFPROBE', help: 'path of the ffprobe to use (default: ffprobe on PATH, else the build shipped on npm)' },
  { env: 'SMARTCOVER_SUBJECTS', help: "'off' ranks covers without the face and text models (same as --no-subjects; default 'on')" },
  { env: 'SMARTCOVER_MAX_FILE_BYTES', help: `largest video file accepted, bytes (default ${DEFAULT_MEDIA_LIMITS.maxFileBytes})` },
  { env: 'SMARTCOVER_MAX_DURATION', help: `longest video accepted, seconds (default ${DEFAULT_MEDIA_LIMITS.maxDuration})` },
  { env: 'SMARTCOVER_MAX_PIXELS', help: `largest frame accepted, pixels (default ${DEFAULT_MEDIA_LIMITS.maxPixels}: 8192×4320)` },
  { env: 'SMARTCOVER_MAX_COVER_SIDE', help: `longest side of a still cover; larger videos' covers are scaled down (default ${DEFAULT_MEDIA_LIMITS.maxCoverSide})` },
  { env: 'SMARTCOVER_FFMPEG_MEMORY', help: `memory each ffmpeg or ffprobe may use, MiB (default ${DEFAULT_FFMPEG_MEMORY_MIB}; enforced with prlimit)` },
  { env: 'SMARTCOVER_DEBUG', help: 'set to anything to print the details (argv, stderr) of internal errors' },
];

export interface EngineConfig {
  readonly binaries: FfmpegBinaries;
  readonly limits: MediaLimits;
  readonly process: ProcessLimits;
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
  const whole = (name: string, fallback: number, min: number): number => {
    const text = (env[name] ?? '').trim();
    if (text === '') return fallback;
    if (!/^\d{1,16}$/.test(text) || Number(text) < min) {
      problems.push(`${name} must be a whole number of at least ${min} (got '${env[name]}')`);
      return fallback;
    }
    return Number(text);
  };
  const limits: MediaLimits = {
    maxFileBytes: whole('SMARTCOVER_MAX_FILE_BYTES', DEFAULT_MEDIA_LIMITS.maxFileBytes, 1),
    maxDuration: whole('SMARTCOVER_MAX_DURATION', DEFAULT_MEDIA_LIMITS.maxDuration, 1),
    maxPixels: whole('SMARTCOVER_MAX_PIXELS', DEFAULT_MEDIA_LIMITS.maxPixels, 64 * 64),
    maxCoverSide: whole('SMARTCOVER_MAX_COVER_SIDE', DEFAULT_MEDIA_LIMITS.maxCoverSide, 64),
  };
  const memoryMib = whole('SMARTCOVER_FFMPEG_MEMORY', DEFAULT_FFMPEG_MEMORY_MIB, 64);
  if (ffmpeg === undefined || ffprobe === undefined || problems.length > 0) throw new AppError('invalid_argument', problems.join('; '));
  return Object.freeze({
    binaries: { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, ffmpegSource: ffmpeg.source, ffprobeSource: ffprobe.source },
    subjects,
    limits,
    process: { prlimit: findOnPath('prlimit', env), memoryBytes: memoryMib * 1024 * 1024, fileBytes: FFMPEG_FILE_BYTES },
  });
}
