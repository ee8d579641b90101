import { describe, expect, it } from 'vitest';
import { looks as L, makeClip } from '../../test/support/clips.js';
import { isAppError } from '../errors.js';
import { FfmpegRunner } from './ffmpeg.js';
import { locateFfmpeg } from './ffmpeg-binaries.js';
import { interpretProbe, probeVideo } from './probe.js';

const runner = new FfmpegRunner(locateFfmpeg(process.env));

function rejection(output: Parameters<typeof interpretProbe>[2]): string {
  try {
    interpretProbe('x.mp4', 100, output);
  } catch (error) {
    if (isAppError(error, 'invalid_media')) return error.message;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('probeVideo', () => {
  it('reads size, duration, codec and rotation of a real file', async () => {
    const file = await makeClip('probe-rotated.mp4', [L.testsrc(2)], { rotate: 90 });
    const info = await probeVideo(runner, file);
    expect(info).toMatchObject({ codec: 'h264', coded: { width: 640, height: 360 }, display: { width: 360, height: 640 }, rotation: 90, fps: 25, frames: 50 });
    expect(info.duration).toBeCloseTo(2, 1);
  });
});

describe('interpretProbe', () => {
  const video = { codec_type: 'video', codec_name: 'h264', width: 720, height: 576 };

  it('applies the old-style rotate tag and non-square pixels to the display size', () => {
    expect(interpretProbe('x', 1, { streams: [{ ...video, tags: { rotate: '270' } }], format: { format_name: 'mov' } }).display).toEqual({ width: 576, height: 720 });
    expect(interpretProbe('x', 1, { streams: [{ ...video, sample_aspect_ratio: '16:15' }], format: { format_name: 'mov' } }).display).toEqual({ width: 768, height: 576 });
    expect(interpretProbe('x', 1, { streams: [{ ...video, side_data_list: [{ rotation: -90 }] }], format: { format_name: 'mov' } }).rotation).toBe(270);
  });

  it('leaves duration unknown rather than guessing when nothing says', () => {
    expect(interpretProbe('x', 1, { streams: [video], format: { format_name: 'h264' } }).duration).toBeNaN();
  });

  it('says why a file is not a usable video', () => {
    expect(rejection({ streams: [{ codec_type: 'audio', codec_name: 'aac' }], format: { format_name: 'mov' } })).toMatch(/no video stream \(the file is audio only\)/);
    expect(rejection({ streams: [{ codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } }, { codec_type: 'audio' }], format: { format_name: 'mp3' } })).toMatch(/audio only/);
    expect(rejection({ streams: [{ ...video, codec_name: 'png' }], format: { format_name: 'png_pipe' } })).toMatch(/still image \(png\)/);
    expect(rejection({ streams: [{ codec_type: 'video', codec_tag_string: 'ABCD', width: 64, height: 64 }], format: { format_name: 'avi' } })).toMatch(/cannot be decoded \(unknown codec 'ABCD'\)/);
    expect(rejection({ streams: [{ ...video, width: 0 }], format: { format_name: 'mov' } })).toMatch(/no picture size/);
    expect(rejection({ streams: [], format: { format_name: 'mov' } })).toMatch(/no video stream$/);
  });
});
