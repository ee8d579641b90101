import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodeBlurhash } from 'blurhash';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../src/api/url-auth.js';
import { locateModels } from '../src/engine/subjects/model-files.js';
import { ModelHost } from '../src/engine/subjects/model-host.js';
import { looks as L, makeClip } from './support/clips.js';
import { metric, scrape } from './support/metrics.js';
import { photos } from './support/photos.js';
import { popClient, ServerProcess, waitForJob, type PopClient } from './support/service.js';

/**
 * Renditions (`x-oss-process`) of the covers a real job made, fetched through the signed FileURLs
 * ListAIImageInfo hands out and decoded: OSS's geometry, formats and errors, the subject-aware crop on a
 * real portrait standing near the frame's edge, animated GIF covers, caching and conditional GETs.
 */
let api: ServerProcess;
let client: PopClient;
let portrait: { url: string; width: number; height: number; blurhash: string };
let preview: string;
let previewId: string;
const models = new ModelHost(locateModels(), { lingerMs: 10_000 });

interface Listed { AIImageInfoId: string; FileURL: string; Format: string; Time: string; BlurHash?: string }

beforeAll(async () => {
  api = await ServerProcess.start({ SMARTCOVER_OPS_PORT: '0' });
  client = popClient(api);
  // A real portrait moved right, so that its face sits near the edge: a centred 9:16 cut misses it.
  const clip = await makeClip('renditions.mp4', [photos.portrait(4, 0.2, 0.5), L.bars(3), L.testsrc(3)], { width: 1280, height: 720 });
  const imported = await api.cli(['videos', 'import', clip, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  const videoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
  for (const template of ['00000000000000000000000000000001', '00000000000000000000000000000002']) {
    const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: videoId, AITemplateId: template })) as { JobId: string };
    expect((await waitForJob(client, JobId))['Status']).toBe('success');
  }
  const listed = ((await client.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: Listed[] }).AIImageInfoList;
  const still = listed.find((c) => c.Format === 'png' && Number(c.Time) < 4)!;
  expect(still, JSON.stringify(listed)).toBeDefined();
  const meta = await sharp(Buffer.from(await (await fetch(still.FileURL)).arrayBuffer())).metadata();
  portrait = { url: still.FileURL, width: meta.width, height: meta.height, blurhash: still.BlurHash ?? '' };
  preview = listed.find((c) => c.Format === 'gif')!.FileURL;
  previewId = listed.find((c) => c.Format === 'gif')!.AIImageInfoId;
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await models.close();
});

const withProcess = (url: string, process: string) => `${url}&x-oss-process=${process}`;
async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}
async function picture(process: string, url = portrait.url) {
  const answer = await get(withProcess(url, process));
  expect(answer.status, answer.body.toString().slice(0, 300)).toBe(200);
  return { ...answer, meta: await sharp(answer.body, { animated: true }).metadata() };
}
async function ossError(process: string) {
  const answer = await get(withProcess(portrait.url, process));
  expect(answer.headers.get('content-type')).toBe('application/xml');
  return { status: answer.status, code: /<Code>([^<]*)<\/Code>/.exec(answer.body.toString())?.[1] };
}
/** A frame's RGB pixels, and the mean absolute difference of two of them (0–255). */
async function framePixels(image: Sharp): Promise<Buffer> {
  return image.removeAlpha().raw().toBuffer();
}
function meanDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
async function faces(body: Buffer) {
  const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [found] = await models.faces.detect([{ width: info.width, height: info.height, data: new Uint8Array(data) }]);
  return found!.filter((f) => f.confidence > 0.5).map((f) => f.box);
}

describe('x-oss-process on cover FileURLs', () => {
  it("resizes in all five modes as OSS does: the spec's worked example, 200×100 with w 150 and h 80", async () => {
    const example = 'image/resize,m_fixed,w_200,h_100/resize';
    const sizes: Record<string, [number, number]> = { lfit: [150, 75], mfit: [160, 80], fill: [150, 80], pad: [150, 80], fixed: [150, 80] };
    for (const [mode, [w, h]] of Object.entries(sizes)) {
      const { meta } = await picture(`${example},m_${mode},w_150,h_80`);
      expect([meta.width, meta.height], mode).toEqual([w, h]);
    }
    // Pad fills with the colour asked for: the band above the picture is red.
    const padded = await picture('image/resize,m_fixed,w_200,h_100/resize,m_pad,w_150,h_80,color_FF0000');
    const { data } = await sharp(padded.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([255, 0, 0]);
    // l, s, p; never larger than the source unless limit_0.
    expect((await picture('image/resize,l_320')).meta.width).toBe(320);
    expect((await picture('image/resize,s_90')).meta.height).toBe(90);
    expect((await picture('image/resize,p_10')).meta.width).toBe(Math.round(portrait.width / 10));
    expect((await picture(`image/resize,w_${portrait.width * 2}`)).meta.width).toBe(portrait.width);
    expect((await picture(`image/resize,w_${portrait.width * 2},limit_0`)).meta.width).toBe(portrait.width * 2);
  });

  it('crops by gravity and offset, the pixels being the ones at that place of the cover', async () => {
    const original = await sharp((await get(portrait.url)).body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const [g, x, y] of [['se', portrait.width - 100, portrait.height - 50], ['nw', 10, 20], ['center', (portrait.width - 100) / 2, (portrait.height - 50) / 2]] as const) {
      const cut = await picture(`image/crop,w_100,h_50,g_${g}${g === 'nw' ? ',x_10,y_20' : ''}`);
      expect([cut.meta.width, cut.meta.height]).toEqual([100, 50]);
      const pixels = (await sharp(cut.body).removeAlpha().raw().toBuffer()) as Buffer;
      let difference = 0;
      for (let row = 0; row < 50; row++) {
        for (let col = 0; col < 100; col++) {
          for (let c = 0; c < 3; c++) difference += Math.abs(pixels[(row * 100 + col) * 3 + c]! - original.data[((y + row) * portrait.width + x + col) * 3 + c]!);
        }
      }
      expect(difference / (100 * 50 * 3), g).toBeLessThan(1);
    }
    // A box past the edge is clipped to it.
    expect((await picture(`image/crop,w_500,h_500,x_${portrait.width - 40},y_${portrait.height - 30}`)).meta).toMatchObject({ width: 40, height: 30 });
  });

  it('encodes each format, decodable, with its magic bytes; quality lowers the size; interlace makes a progressive JPEG', async () => {
    const magic: Record<string, (b: Buffer) => boolean> = {
      jpg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
      png: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
      webp: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
      avif: (b) => b.toString('latin1', 4, 12) === 'ftypavif',
      gif: (b) => b.toString('latin1', 0, 6) === 'GIF89a',
    };
    const types: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif' };
    for (const format of Object.keys(magic)) {
      const answer = await picture(`image/resize,w_320/format,${format}`);
      expect(magic[format]!(answer.body), format).toBe(true);
      expect(answer.headers.get('content-type')).toBe(types[format]);
      expect(answer.meta.width).toBe(320);
    }
    const high = await picture('image/resize,w_640/format,jpg/quality,q_95');
    const low = await picture('image/resize,w_640/format,jpg/quality,Q_20');
    expect(low.body.length).toBeLessThan(high.body.length * 0.5);
    expect((await picture('image/resize,w_320/format,jpg/interlace,1')).meta.isProgressive).toBe(true);
    expect((await picture('image/resize,w_320/format,jpg/interlace,0')).meta.isProgressive).toBe(false);
    expect((await picture('image/rotate,90')).meta).toMatchObject({ width: portrait.height, height: portrait.width });
    expect((await picture('image/auto-orient,1')).meta).toMatchObject({ width: portrait.width, height: portrait.height });
  });

  it('answers info, average-hue and blurhash as JSON; the BlurHash is the one ListAIImageInfo gives', async () => {
    const original = await get(portrait.url);
    const info = JSON.parse((await get(withProcess(portrait.url, 'image/info'))).body.toString());
    expect(info).toEqual({
      FileSize: { value: String(original.body.length) }, Format: { value: 'png' }, FrameCount: { value: '1' },
      ImageHeight: { value: String(portrait.height) }, ImageWidth: { value: String(portrait.width) },
    });
    const hue = JSON.parse((await get(withProcess(portrait.url, 'image/average-hue'))).body.toString()) as { RGB: string };
    expect(hue.RGB).toMatch(/^0x[0-9a-f]{6}$/);
    const { channels } = await sharp(original.body).stats();
    const rgb = [1, 3, 5].map((i) => parseInt(hue.RGB.slice(1 + i, 3 + i), 16));
    rgb.forEach((value, i) => expect(Math.abs(value - channels[i]!.mean)).toBeLessThan(2));
    const red = JSON.parse((await get(withProcess(portrait.url, 'image/crop,w_10,h_10,g_se/resize,m_pad,w_400,h_20,limit_0,color_FF0000/average-hue'))).body.toString()) as { RGB: string };
    expect(parseInt(red.RGB.slice(2, 4), 16)).toBeGreaterThan(200);

    expect(portrait.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{28}$/);
    const { BlurHash } = JSON.parse((await get(withProcess(portrait.url, 'image/blurhash'))).body.toString()) as { BlurHash: string };
    expect(BlurHash).toBe(portrait.blurhash);
    // The hash decodes to a picture whose average colour is the cover's.
    const pixels = decodeBlurhash(BlurHash, 16, 9);
    const mean = [0, 1, 2].map((c) => pixels.filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0) / (16 * 9));
    mean.forEach((value, i) => expect(Math.abs(value - channels[i]!.mean)).toBeLessThan(25));
  });

  it('refuses every bad chain with its OSS XML error, and a bad or expired auth_key with 403 whatever is appended', async () => {
    expect(await ossError('image/')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/sharpen_it')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('video/snapshot,t_1000')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/resize,w_0')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/resize,m_stretch,w_10')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/resize,m_lfit')).toEqual({ status: 400, code: 'MissingArgument' });
    expect(await ossError('image/format,jpeg2000')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/quality,q_101')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError('image/rotate,400')).toEqual({ status: 400, code: 'InvalidArgument' });
    expect(await ossError(`image/crop,w_10,h_10,x_${portrait.width}`)).toEqual({ status: 400, code: 'BadRequest' });
    expect(await ossError('image/resize,p_1000,limit_0')).toEqual({ status: 400, code: 'ImageTooLarge' });
    expect(await ossError('image/blur,r_3,s_2')).toEqual({ status: 501, code: 'NotImplemented' });
    expect(await ossError('image/format,heic')).toEqual({ status: 501, code: 'NotImplemented' });

    const tampered = portrait.url.replace(/([0-9a-f])(?=$|&)/, (d) => (d === '0' ? '1' : '0'));
    expect((await get(withProcess(tampered, 'image/resize,w_100'))).status).toBe(403);
    const url = new URL(portrait.url);
    const key = readFileSync(join(api.dataDir, 'url-auth-key'), 'utf8').trim();
    const past = Math.floor(Date.now() / 1000) - 86_400;
    const expired = `${url.origin}${url.pathname}?auth_key=${past}-abc-0-${digest(url.pathname, past, 'abc', '0', key)}`;
    const refused = await get(withProcess(expired, 'image/resize,w_100'));
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).toContain('<Code>AccessDenied</Code>');
    // The same signature, fresh, is accepted: the 403 was the expiry.
    const now = Math.floor(Date.now() / 1000);
    expect((await get(withProcess(`${url.origin}${url.pathname}?auth_key=${now}-abc-0-${digest(url.pathname, now, 'abc', '0', key)}`, 'image/resize,w_100'))).status).toBe(200);
  });

  it('keeps the whole face in a 9:16 g_auto crop of a portrait near the edge, where the centre crop cuts it', async () => {
    expect([portrait.width, portrait.height]).toEqual([1280, 720]);
    const [face] = await faces((await get(portrait.url)).body);
    expect(face).toBeDefined();
    const centreX = (1280 - 405) / 2;
    // The plain centre cut does not hold the face.
    expect(face!.x >= centreX && face!.x + face!.width <= centreX + 405).toBe(false);
    const centre = await picture('image/crop,w_405,h_720,g_center');
    const inCentre = await faces(centre.body);
    expect(inCentre.every((f) => f.x + f.width >= 403 || f.x <= 2)).toBe(true);

    for (const process of ['image/crop,g_auto,w_405,h_720', 'image/crop,g_face,w_405,h_720', 'image/resize,m_fill,w_270,h_480,g_auto']) {
      const cut = await picture(process);
      const found = await faces(cut.body);
      expect(found.length, process).toBeGreaterThan(0);
      const f = found[0]!;
      const scale = cut.meta.width / 405;
      expect(f.width / scale, process).toBeGreaterThan(face!.width * 0.8);
      expect(f.x, process).toBeGreaterThan(2);
      expect(f.x + f.width, process).toBeLessThan(cut.meta.width - 2);
    }
    // A box larger than the cover keeps its shape, scaled to fit.
    expect((await picture('image/crop,g_auto,w_810,h_1440')).meta).toMatchObject({ width: 405, height: 720 });
  });

  it('resizes and turns an animated GIF cover as an animation, to GIF or animated WebP; JPEG takes its first frame', async () => {
    const source = Buffer.from(await (await fetch(preview)).arrayBuffer());
    const original = await sharp(source, { animated: true }).metadata();
    expect(original.pages).toBeGreaterThan(1);
    const gif = await picture('image/resize,w_160', preview);
    expect(gif.meta).toMatchObject({ format: 'gif', width: 160, pages: original.pages });
    const webp = await picture('image/resize,w_160/format,webp', preview);
    expect(webp.meta).toMatchObject({ format: 'webp', width: 160, pages: original.pages });
    const jpg = await picture('image/resize,w_160/format,jpg', preview);
    expect(jpg.meta).toMatchObject({ format: 'jpeg', width: 160 });
    expect(jpg.meta.pages ?? 1).toBe(1);
    const info = JSON.parse((await get(withProcess(preview, 'image/info'))).body.toString());
    expect(info.FrameCount.value).toBe(String(original.pages));
    // Turned, every frame is turned and keeps its place and its delay (libvips alone refuses an animation,
    // or at 180° turns the strip of frames, which plays it backwards).
    const frameHeight = original.pageHeight ?? original.height;
    for (const degrees of [90, 180]) {
      const turned = await picture(`image/rotate,${degrees}`, preview);
      const size = degrees === 90 ? { width: frameHeight, pageHeight: original.width } : { width: original.width, pageHeight: frameHeight };
      expect(turned.meta).toMatchObject({ format: 'gif', pages: original.pages, delay: original.delay, ...size });
      for (const page of [0, original.pages! - 1]) {
        const expected = await framePixels(sharp(source, { page }).rotate(degrees));
        const [same, other] = await Promise.all([page, original.pages! - 1 - page].map(async (p) => meanDifference(await framePixels(sharp(turned.body, { page: p })), expected)));
        expect(same, `frame ${page} at ${degrees}°`).toBeLessThan(8);
        expect(other, `frame ${page} at ${degrees}°`).toBeGreaterThan(2 * same!);
      }
    }
    expect((await picture('image/resize,w_120/rotate,270/format,webp', preview)).meta).toMatchObject({ format: 'webp', pages: original.pages, width: Math.round((120 * frameHeight) / original.width), pageHeight: 120 });
    expect((await picture('image/format,png/rotate,90', preview)).meta).toMatchObject({ width: frameHeight, height: original.width });
  });

  it('makes a rendition once however many ask at once, then serves it from the cache with an ETag a conditional GET matches', async () => {
    const before = await scrape(api.ops!);
    const process = 'image/resize,w_333/format,webp';
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(withProcess(portrait.url, process))));
    const after = await scrape(api.ops!);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.toString('base64'))).size).toBe(1);
    expect(metric(after, 'smartcover_renditions_total', { result: 'made' }) - metric(before, 'smartcover_renditions_total', { result: 'made' })).toBe(1);
    expect(metric(after, 'smartcover_renditions_total', { result: 'joined' }) - metric(before, 'smartcover_renditions_total', { result: 'joined' })).toBe(7);

    const again = await get(withProcess(portrait.url, process));
    expect(again.body.equals(answers[0]!.body)).toBe(true);
    const cached = await scrape(api.ops!);
    expect(metric(cached, 'smartcover_renditions_total', { result: 'cached' }) - metric(after, 'smartcover_renditions_total', { result: 'cached' })).toBe(1);

    const etag = again.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(again.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const conditional = await get(withProcess(portrait.url, process), { 'if-none-match': etag });
    expect(conditional.status).toBe(304);
    expect(conditional.body.length).toBe(0);
    // Another chain is another rendition, with another tag.
    const other = await get(withProcess(portrait.url, 'image/resize,w_334/format,webp'), { 'if-none-match': etag });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).not.toBe(etag);
  });

  it('tags the stored cover too: a conditional GET of the plain FileURL is a 304', async () => {
    const plain = await get(portrait.url);
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await get(portrait.url, { 'if-none-match': `W/${etag}` });
    expect(again.status).toBe(304);
    expect((await get(preview, { 'if-none-match': etag })).status).toBe(200);
    // The signature is checked first: a tag does not get round an expired or wrong key.
    expect((await get(portrait.url.replace(/auth_key=\d+/, 'auth_key=1'), { 'if-none-match': etag })).status).toBe(403);
  });

  it("serves no rendition of a deleted cover, cached or not", async () => {
    expect((await get(withProcess(preview, 'image/resize,w_100'))).status).toBe(200);
    await client.request('DeleteAIImageInfos', { AIImageInfoIds: previewId });
    for (const process of ['image/resize,w_100', 'image/resize,w_101']) {
      const gone = await get(withProcess(preview, process));
      expect(gone.status).toBe(404);
      expect(gone.body.toString()).toContain('<Code>NoSuchKey</Code>');
    }
  });
});
