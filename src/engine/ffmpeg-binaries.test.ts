import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { locateFfmpeg } from './ffmpeg-binaries.js';

describe('locateFfmpeg', () => {
  it('prefers ffmpeg and ffprobe on PATH', () => {
    const found = locateFfmpeg({ PATH: process.env['PATH'] });
    expect(found).toMatchObject({ ffmpegSource: 'path', ffprobeSource: 'path' });
    expect(found.ffmpeg).toMatch(/\/ffmpeg$/);
  });

  it('falls back to the builds shipped on npm when PATH has none', () => {
    const found = locateFfmpeg({ PATH: mkdtempSync(join(tmpdir(), 'empty-path-')) });
    expect(found).toMatchObject({ ffmpegSource: 'npm', ffprobeSource: 'npm' });
    expect(found.ffmpeg).toContain('@ffmpeg-installer');
    expect(found.ffprobe).toContain('@ffprobe-installer');
  });

  it('takes SMARTCOVER_FFMPEG / SMARTCOVER_FFPROBE over everything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custom-ff-'));
    const system = locateFfmpeg({ PATH: process.env['PATH'] });
    symlinkSync(system.ffmpeg, join(dir, 'my-ffmpeg'));
    const found = locateFfmpeg({ PATH: process.env['PATH'], SMARTCOVER_FFMPEG: join(dir, 'my-ffmpeg') });
    expect(found).toMatchObject({ ffmpeg: join(dir, 'my-ffmpeg'), ffmpegSource: 'env', ffprobeSource: 'path' });
  });

  it('refuses a setting that is not an executable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-ff-'));
    const notExecutable = join(dir, 'ffmpeg');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    mkdirSync(join(dir, 'a-directory'));
    for (const value of [notExecutable, join(dir, 'a-directory'), join(dir, 'missing')]) {
      let caught: unknown;
      try {
        locateFfmpeg({ PATH: process.env['PATH'], SMARTCOVER_FFMPEG: value });
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'invalid_argument')).toBe(true);
      expect((caught as Error).message).toBe(`SMARTCOVER_FFMPEG=${value} is not an executable file`);
    }
  });
});
