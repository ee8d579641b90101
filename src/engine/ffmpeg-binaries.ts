import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { AppError } from '../errors.js';

/** Where the ffmpeg and ffprobe executables come from, and why. */
export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** 'env' = SMARTCOVER_FFMPEG/FFPROBE, 'path' = found on PATH, 'npm' = shipped in an npm package. */
  readonly ffmpegSource: BinarySource;
  readonly ffprobeSource: BinarySource;
}
export type BinarySource = 'env' | 'path' | 'npm';

const NPM_PACKAGES = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' } as const;
const ENV_NAMES = { ffmpeg: 'SMARTCOVER_FFMPEG', ffprobe: 'SMARTCOVER_FFPROBE' } as const;

/**
 * Finds ffmpeg and ffprobe: an explicit setting wins, then the system's (Debian's 5.x build is far newer
 * than the npm one), then the static builds shipped inside npm packages so that a machine without ffmpeg
 * still works. The environment is an argument so that each path can be tested.
 */
export function locateFfmpeg(env: Readonly<Record<string, string | undefined>>): FfmpegBinaries {
  const ffmpeg = locateBinary('ffmpeg', env);
  const ffprobe = locateBinary('ffprobe', env);
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, ffmpegSource: ffmpeg.source, ffprobeSource: ffprobe.source };
}

export function locateBinary(name: 'ffmpeg' | 'ffprobe', env: Readonly<Record<string, string | undefined>>): { path: string; source: BinarySource } {
  const explicit = env[ENV_NAMES[name]];
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutableFile(explicit)) {
      throw new AppError('invalid_argument', `${ENV_NAMES[name]}=${explicit} is not an executable file`);
    }
    return { path: explicit, source: 'env' };
  }
  const onPath = findOnPath(name, env);
  if (onPath !== undefined) return { path: onPath, source: 'path' };
  const shipped = npmBinary(name);
  if (shipped !== undefined) return { path: shipped, source: 'npm' };
  throw new AppError(
    'unavailable',
    `${name} not found: install it (apt-get install ffmpeg) or set ${ENV_NAMES[name]} to its path`,
  );
}

/** An executable of that name on PATH, or undefined. */
export function findOnPath(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function npmBinary(name: 'ffmpeg' | 'ffprobe'): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const found = (require(NPM_PACKAGES[name]) as { path?: unknown }).path;
    return typeof found === 'string' && isExecutableFile(found) ? found : undefined;
  } catch {
    // The installer packages throw on platforms they have no build for; that is "not available", not a crash.
    return undefined;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
