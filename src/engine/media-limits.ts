import { AppError } from '../errors.js';
import type { VideoInfo } from './probe.js';

/**
 * What the engine accepts from a video, whichever way it came in (upload, URL, import, analyze): every
 * video is untrusted input. A video past a limit is refused with a message that names the limit and the
 * setting that moves it; covers larger than `maxCoverSide` are scaled down.
 */
export interface MediaLimits {
  /** Largest file, bytes (SMARTCOVER_MAX_FILE_BYTES). */
  readonly maxFileBytes: number;
  /** Longest duration, seconds (SMARTCOVER_MAX_DURATION). */
  readonly maxDuration: number;
  /** Largest frame, pixels (SMARTCOVER_MAX_PIXELS). */
  readonly maxPixels: number;
  /** Longest side of a still cover, pixels (SMARTCOVER_MAX_COVER_SIDE). */
  readonly maxCoverSide: number;
}

/** 4 GiB, 4 hours, 8K (DCI, 8192×4320), and covers at most 1920 px on their longest side. */
export const DEFAULT_MEDIA_LIMITS: MediaLimits = { maxFileBytes: 4 * 1024 ** 3, maxDuration: 4 * 3600, maxPixels: 8192 * 4320, maxCoverSide: 1920 };

/** Refuses a file by size before ffprobe reads it. */
export function checkFileSize(file: string, bytes: number, limits: MediaLimits): void {
  if (bytes > limits.maxFileBytes) {
    throw refused(`${file}: the file is ${formatBytes(bytes)}, larger than the limit of ${formatBytes(limits.maxFileBytes)} (SMARTCOVER_MAX_FILE_BYTES)`, 'max_file_bytes');
  }
}

/** Refuses a probed video whose duration or frame size is past the limits. */
export function checkVideo(info: VideoInfo, limits: MediaLimits): void {
  if (info.duration > limits.maxDuration) {
    throw refused(`${info.file}: the video is ${formatDuration(info.duration)} long, longer than the limit of ${formatDuration(limits.maxDuration)} (SMARTCOVER_MAX_DURATION)`, 'max_duration');
  }
  const pixels = info.coded.width * info.coded.height;
  if (pixels > limits.maxPixels) {
    throw refused(`${info.file}: its frames are ${info.coded.width}×${info.coded.height} (${formatPixels(pixels)}), larger than the limit of ${formatPixels(limits.maxPixels)} (SMARTCOVER_MAX_PIXELS)`, 'max_pixels');
  }
}

function refused(message: string, limit: string): AppError {
  return new AppError('invalid_media', message, { details: { limit } });
}

function formatPixels(pixels: number): string {
  return pixels >= 1e6 ? `${(pixels / 1e6).toFixed(1)} MP` : `${pixels} pixels`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}
