import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { FfmpegRunner } from '../../src/engine/ffmpeg.js';
import { locateFfmpeg } from '../../src/engine/ffmpeg-binaries.js';
import { analyzeVideo, type AnalyzeOptions } from '../../src/engine/analyze.js';
import type { Manifest } from '../../src/engine/manifest.js';
import { scratchDir } from './clips.js';

/** The system's ffmpeg, as the product finds it by default. */
export function systemFfmpeg(): FfmpegRunner {
  return new FfmpegRunner(locateFfmpeg(process.env));
}

/** Runs the engine into a fresh directory and returns the manifest and where the files are. */
export async function analyzeInto(file: string, options: Omit<AnalyzeOptions, 'outDir'> = {}, ffmpeg = systemFfmpeg()): Promise<{ manifest: Manifest; dir: string }> {
  const dir = mkdtempSync(join(scratchDir(), 'covers-'));
  const manifest = await analyzeVideo(ffmpeg, file, { ...options, outDir: dir });
  return { manifest, dir };
}
