import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseImageProcess } from './image-process.js';

/** The AppError a value is refused with: its reason and field. */
function refusal(value: string): { reason: unknown; field: unknown; message: string } {
  try {
    parseImageProcess(value);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { reason: error.details['reason'], field: error.details['field'], message: error.message };
  }
  throw new Error(`${value} was accepted`);
}

describe('parseImageProcess', () => {
  it('reads a chain left to right, k_v pairs and bare values, with OSS defaults', () => {
    expect(parseImageProcess('image/resize,w_320/format,webp/quality,q_80')).toEqual([
      { action: 'resize', params: { mode: 'lfit', limit: true, w: 320 }, color: 'FFFFFF' },
      { action: 'format', format: 'webp' },
      { action: 'quality', relative: 80 },
    ]);
    expect(parseImageProcess('image/resize,m_pad,w_100,h_100,color_ff0000,limit_0')[0]).toEqual({ action: 'resize', params: { mode: 'pad', limit: false, w: 100, h: 100 }, color: 'FF0000' });
    expect(parseImageProcess('image/crop,w_100,h_50,g_se,x_10')).toEqual([{ action: 'crop', w: 100, h: 50, x: 10, y: 0, g: 'se' }]);
    expect(parseImageProcess('image/crop,g_face,p_150')).toEqual([{ action: 'crop', x: 0, y: 0, g: 'face', p: 150 }]);
    expect(parseImageProcess('image/resize,m_fill,w_405,h_720,g_auto')[0]).toMatchObject({ gravity: 'auto' });
    expect(parseImageProcess('image/rotate,90/auto-orient,1/interlace,1/info')).toEqual([
      { action: 'rotate', degrees: 90 }, { action: 'auto-orient', on: true }, { action: 'interlace', on: true }, { action: 'info' },
    ]);
    expect(parseImageProcess('image/average-hue')).toEqual([{ action: 'average-hue' }]);
    expect(parseImageProcess('image/blurhash')).toEqual([{ action: 'blurhash' }]);
  });

  it('refuses each bad parameter with the field it is about', () => {
    expect(refusal('image/')).toMatchObject({ reason: 'image_param' });
    expect(refusal('video/snapshot,t_1000')).toMatchObject({ reason: 'image_param', field: 'x-oss-process' });
    expect(refusal('image/resize,w_0')).toMatchObject({ reason: 'image_param', field: 'resize.w' });
    expect(refusal('image/resize,w_16385')).toMatchObject({ field: 'resize.w' });
    expect(refusal('image/resize,p_1001')).toMatchObject({ field: 'resize.p' });
    expect(refusal('image/resize,m_stretch,w_10')).toMatchObject({ field: 'resize.m' });
    expect(refusal('image/resize,w_10,color_red')).toMatchObject({ field: 'resize.color' });
    expect(refusal('image/resize,w_10,z_3')).toMatchObject({ field: 'resize.z' });
    expect(refusal('image/resize,m_fill')).toMatchObject({ reason: 'missing_argument', field: 'resize' });
    expect(refusal('image/crop,g_middle')).toMatchObject({ field: 'crop.g' });
    expect(refusal('image/format,jpeg2000')).toMatchObject({ field: 'format' });
    expect(refusal('image/quality')).toMatchObject({ field: 'quality' });
    expect(refusal('image/quality,q_101')).toMatchObject({ field: 'quality.q' });
    expect(refusal('image/rotate,361')).toMatchObject({ field: 'rotate' });
    expect(refusal('image/interlace,2')).toMatchObject({ field: 'interlace' });
    expect(refusal('image/info,x_1')).toMatchObject({ field: 'info' });
    expect(refusal('image/explode,now')).toMatchObject({ field: 'x-oss-process' });
  });

  it('tells an OSS action or format this service does not do apart from a mistake', () => {
    expect(refusal('image/watermark,text_aGk')).toMatchObject({ reason: 'not_implemented' });
    expect(refusal('image/format,heic')).toMatchObject({ reason: 'not_implemented' });
  });

  it('keeps what a client sent out of messages beyond a short printable clip', () => {
    expect(refusal(`image/format,${'\u0000'.repeat(100)}`).message).not.toMatch(/\u0000/);
    expect(refusal(`image/${'x'.repeat(1000)}`).message.length).toBeLessThan(120);
  });
});
