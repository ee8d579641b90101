import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../errors.js';
import { FfmpegRunner, lastMeaningfulLine } from './ffmpeg.js';
import { locateFfmpeg } from './ffmpeg-binaries.js';

const runner = new FfmpegRunner(locateFfmpeg(process.env));
const forever = ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=25', '-f', 'null', '-'];

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('FfmpegRunner', () => {
  it('streams stdout in chunks without keeping it', async () => {
    let bytes = 0;
    const result = await runner.ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=32x16:d=1:r=25', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
      onStdout: (chunk) => (bytes += chunk.length),
    });
    expect(bytes).toBe(25 * 32 * 16 * 3);
    expect(result.stdout.length).toBe(0);
  });

  it('puts argv and stderr on a failure, and says what went wrong in one line', async () => {
    const error = await failure(runner.ffmpeg(['-v', 'error', '-i', '/no/such/file.mp4', '-f', 'null', '-']));
    expect(error.kind).toBe('internal');
    expect(error.message).toMatch(/^ffmpeg failed: .*No such file or directory/);
    expect(error.details['argv']).toContain('/no/such/file.mp4');
    expect(String(error.details['stderr'])).toContain('No such file');
  });

  it('kills a command that runs past its timeout', async () => {
    const started = Date.now();
    const error = await failure(runner.ffmpeg(forever, { timeoutMs: 300 }));
    expect(error.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await failure(runner.ffmpeg(forever, { signal: controller.signal }));
    expect(isAppError(error, 'aborted')).toBe(true);
  });

  it('stops the process and fails the run when the consumer of its output throws', async () => {
    const started = Date.now();
    const endless = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=25', '-f', 'rawvideo', 'pipe:1'];
    const error = await failure(runner.ffmpeg(endless, { onStdout: () => { throw new Error('consumer broke'); }, timeoutMs: 20_000 }));
    expect(error.message).toBe('consumer broke');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a binary that cannot be started as unavailable', async () => {
    const broken = new FfmpegRunner({ ffmpeg: '/no/such/ffmpeg', ffprobe: '/no/such/ffprobe', ffmpegSource: 'env', ffprobeSource: 'env' });
    expect((await failure(broken.ffprobe(['-version']))).kind).toBe('unavailable');
  });

  it('reads the last meaningful stderr line without the [demuxer @ 0x…] prefix', () => {
    expect(lastMeaningfulLine(['[mov,mp4 @ 0x55d1] moov atom not found', 'Conversion failed!'])).toBe('moov atom not found');
    expect(lastMeaningfulLine([])).toBeUndefined();
  });
});
