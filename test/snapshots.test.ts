import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver } from './support/callback-receiver.js';
import { makeClip, type Stretch } from './support/clips.js';
import { createUploadVideo } from './support/oss.js';
import { popClient, rejection, ServerProcess, type PopClient } from './support/service.js';

/**
 * VOD's snapshot jobs through pop-core: stills at given times, counts with intervals, sprite sheets with a
 * WebVTT track, snapshot templates, ListSnapshots for every type, and the signed SnapshotComplete event.
 * The clip is six two-second stretches of plain colours, so that every picture says which time it shows.
 */
const COLOURS = [['red', [255, 0, 0]], ['green', [0, 128, 0]], ['blue', [0, 0, 255]], ['yellow', [255, 255, 0]], ['cyan', [0, 255, 255]], ['magenta', [255, 0, 255]]] as const;
const colourAt = (seconds: number) => COLOURS[Math.min(COLOURS.length - 1, Math.floor(seconds / 2))]![0];

let api: ServerProcess;
let client: PopClient;
let hooks: Awaited<ReturnType<typeof startCallbackReceiver>>;
let videoId: string;

beforeAll(async () => {
  hooks = await startCallbackReceiver();
  api = await ServerProcess.start({ SMARTCOVER_CALLBACK_URL: hooks.url, SMARTCOVER_CALLBACK_KEY: 'cb-key', SMARTCOVER_ALLOW_PRIVATE_URLS: 'true' });
  client = popClient(api);
  const stretches: Stretch[] = COLOURS.map(([name]) => ({ label: name, seconds: 2, source: `color=c=${name}:s={size}:r={rate}` }));
  const clip = await makeClip('snapshot-colours.mp4', stretches, { width: 640, height: 360 });
  const imported = await api.cli(['videos', 'import', clip, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  videoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
}, 120_000);
afterAll(async () => {
  await api?.stop();
  hooks?.close();
});

interface Listed { Total: number; Regular?: string; JobId?: string; CreationTime?: string; Snapshots: { Snapshot: { Index: number; Url: string }[] } }

async function list(type: string, extra: Record<string, string | number> = {}): Promise<Listed> {
  return ((await client.request('ListSnapshots', { VideoId: videoId, SnapshotType: type, ...extra })) as { MediaSnapshot: Listed }).MediaSnapshot;
}

/** Submits and waits for the job's event. */
async function snapshot(params: Record<string, string | number>): Promise<{ jobId: string; event: Record<string, unknown> }> {
  const answer = (await client.request('SubmitSnapshotJob', { VideoId: videoId, ...params })) as { SnapshotJob: { JobId: string } };
  const jobId = answer.SnapshotJob.JobId;
  expect(jobId).toMatch(/^[0-9a-f]{32}$/);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const event = hooks.received.find((e) => e.body['EventType'] === 'SnapshotComplete' && (e.body['SnapshotInfos'] as unknown as { JobId: string }[])[0]?.JobId === jobId);
    if (event !== undefined) return { jobId, event: event.body as unknown as Record<string, unknown> };
    if (Date.now() > deadline) throw new Error(`no SnapshotComplete for ${jobId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function picture(url: string) {
  const body = Buffer.from(await (await fetch(url)).arrayBuffer());
  const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { body, width: info.width, height: info.height, pixel: (x: number, y: number) => [0, 1, 2].map((c) => data[(y * info.width + x) * 3 + c]!) };
}

/** The colour name nearest to a pixel. */
function named(rgb: number[]): string {
  return [...COLOURS].sort(([, a], [, b]) => distance(rgb, a) - distance(rgb, b))[0]![0];
}
const distance = (a: readonly number[], b: readonly number[]) => a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0);

describe('snapshot jobs', () => {
  it('takes stills at the times asked for, each showing that moment, at the size asked for; the event arrives signed', async () => {
    const { jobId, event } = await snapshot({ SpecifiedOffsetTimes: JSON.stringify([500, 2500, 7000, 11_900]), Width: '320' });
    const listed = await list('NormalSnapshot');
    expect(listed.JobId).toBe(jobId);
    expect(listed.Total).toBe(4);
    expect(listed.Regular).toMatch(new RegExp(`/${videoId}/snapshots/${jobId}/normal-\\{SnapshotCount\\}\\.jpg$`));
    const shots = await Promise.all(listed.Snapshots.Snapshot.map((s) => picture(s.Url)));
    expect(listed.Snapshots.Snapshot.map((s) => s.Index)).toEqual([1, 2, 3, 4]);
    expect(shots.map((s) => [s.width, s.height])).toEqual(Array(4).fill([320, 180]));
    expect(shots.map((s) => s.body.subarray(0, 3).toString('hex'))).toEqual(Array(4).fill('ffd8ff'));
    expect(shots.map((s) => named(s.pixel(160, 90)))).toEqual([0.5, 2.5, 7, 11.9].map(colourAt));

    expect(event).toMatchObject({ EventType: 'SnapshotComplete', VideoId: videoId, Status: 'success', SubType: 'SpecifiedTime', ErrorCode: '' });
    expect(event['SnapshotInfos']).toEqual([expect.objectContaining({ Status: 'success', SnapshotType: 'NormalSnapshot', SnapshotCount: 4, SnapshotFormat: 'jpg', JobId: jobId })]);
    expect(String(event['CoverUrl'])).toContain(`/${videoId}/snapshots/${jobId}/normal-00001.jpg?auth_key=`);
    expect((await fetch(String(event['CoverUrl']))).status).toBe(200);
    const received = hooks.received.find((e) => e.body['EventType'] === 'SnapshotComplete')!;
    const ts = String(received.headers['x-vod-timestamp']);
    expect(received.headers['x-vod-signature']).toBe(createHash('md5').update(`${hooks.url}|${ts}|cb-key`).digest('hex'));

    // A shot is a picture like a cover: its renditions work through the same URL.
    const small = await fetch(`${listed.Snapshots.Snapshot[0]!.Url}&x-oss-process=image/resize,w_100/format,webp`);
    expect(small.status).toBe(200);
    expect(await sharp(Buffer.from(await small.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 100 });
    // Pages, and URLs that last as long as AuthTimeout asks.
    const page = await list('NormalSnapshot', { PageNo: 2, PageSize: 3 });
    expect(page.Total).toBe(4);
    expect(page.Snapshots.Snapshot.map((s) => s.Index)).toEqual([4]);
    const lasting = await list('NormalSnapshot', { AuthTimeout: 7200 });
    const ts0 = Number(/auth_key=(\d+)-/.exec(lasting.Snapshots.Snapshot[0]!.Url)![1]);
    expect(ts0 + 1800).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 7200 - 5);
  });

  it('counts with an interval, and whichever of Count and Interval gives fewer shots wins', async () => {
    await snapshot({ Count: 4, Interval: 3, SpecifiedOffsetTime: 0 });
    let listed = await list('NormalSnapshot');
    expect(listed.Total).toBe(4);
    const colours = await Promise.all(listed.Snapshots.Snapshot.map(async (s) => named((await picture(s.Url)).pixel(10, 10))));
    expect(colours).toEqual([0, 3, 6, 9].map(colourAt));
    await snapshot({ Count: 100, Interval: 5, SpecifiedOffsetTime: 1000 });
    listed = await list('NormalSnapshot');
    expect(listed.Total).toBe(3);
    expect(await Promise.all(listed.Snapshots.Snapshot.map(async (s) => named((await picture(s.Url)).pixel(10, 10))))).toEqual([1, 6, 11].map(colourAt));
    // Interval 0 spreads Count over the video.
    await snapshot({ Count: 6, Interval: 0 });
    listed = await list('NormalSnapshot');
    expect(await Promise.all(listed.Snapshots.Snapshot.map(async (s) => named((await picture(s.Url)).pixel(10, 10))))).toEqual(COLOURS.map(([name]) => name));
  });

  it('makes sprite sheets of 10×10 cells with a WebVTT track whose every cue points at its cell', async () => {
    const config = { CellWidth: '64', CellHeight: '36', Columns: '10', Lines: '10', Padding: '2', Margin: '4', Color: 'White', KeepCellPic: 'keep' };
    const { jobId, event } = await snapshot({ Count: 24, Interval: 1, SpriteSnapshotConfig: JSON.stringify(config) });
    const infos = event['SnapshotInfos'] as { SnapshotType: string; SnapshotCount: number }[];
    expect(infos.map((i) => [i.SnapshotType, i.SnapshotCount])).toEqual([['SpriteSnapshot', 1], ['SpriteOriginSnapshot', 12], ['WebVttSnapshot', 1]]);

    const sprites = await list('SpriteSnapshot');
    expect(sprites.Total).toBe(1);
    const sheet = await picture(sprites.Snapshots.Snapshot[0]!.Url);
    expect([sheet.width, sheet.height]).toEqual([4 * 2 + 10 * 64 + 9 * 2, 4 * 2 + 10 * 36 + 9 * 2]);
    // The margin and the empty cells show the background.
    expect(named(sheet.pixel(1, 1))).not.toBe('red');
    expect(sheet.pixel(sheet.width - 2, sheet.height - 2).every((v) => v > 230)).toBe(true);
    const cells = await list('SpriteOriginSnapshot');
    expect(cells.Total).toBe(12);
    expect((await picture(cells.Snapshots.Snapshot[0]!.Url)).width).toBe(64);

    const tracks = await list('WebVttSnapshot');
    expect(tracks.JobId).toBe(jobId);
    const response = await fetch(tracks.Snapshots.Snapshot[0]!.Url);
    expect(response.headers.get('content-type')).toMatch(/^text\/vtt/);
    const vtt = await response.text();
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const cues = [...vtt.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)$/gm)];
    expect(cues).toHaveLength(12);
    let previousEnd = 0;
    for (const [i, cue] of cues.entries()) {
      const [h1, m1, s1, ms1, h2, m2, s2, ms2] = cue.slice(1, 9).map(Number) as number[];
      const start = h1! * 3600 + m1! * 60 + s1! + ms1! / 1000;
      const end = h2! * 3600 + m2! * 60 + s2! + ms2! / 1000;
      expect(start).toBeCloseTo(previousEnd, 3);
      expect(end).toBeGreaterThan(start);
      previousEnd = end;
      const [x, y, w, h] = cue.slice(10, 14).map(Number) as [number, number, number, number];
      expect(x + w <= sheet.width && y + h <= sheet.height && w === 64 && h === 36).toBe(true);
      // The cue's image is a signed URL a player can load, and the box shows the moment the cue starts at.
      const image = await picture(new URL(cue[9]!, api.endpoint).toString());
      expect([image.width, image.height]).toEqual([sheet.width, sheet.height]);
      expect(named(image.pixel(x + w / 2, y + h / 2)), `cue ${i} at ${start}`).toBe(colourAt(start));
    }
  });

  it('snapshot templates: added, read, listed, renamed, used by a job, never changed to another type, deleted', async () => {
    const config = JSON.stringify({ SnapshotType: 'NormalSnapshot', SnapshotConfig: { FrameType: 'intra', Count: '2', Interval: '4', SpecifiedOffsetTime: '2000', Width: '160' } });
    const { VodTemplateId: id } = (await client.request('AddVodTemplate', { Name: 'two keyframes', TemplateType: 'Snapshot', TemplateConfig: config })) as { VodTemplateId: string };
    const got = ((await client.request('GetVodTemplate', { VodTemplateId: id })) as { VodTemplateInfo: Record<string, string> }).VodTemplateInfo;
    expect(got).toMatchObject({ Name: 'two keyframes', TemplateType: 'Snapshot', VodTemplateId: id, TemplateConfig: config });
    const listed = ((await client.request('ListVodTemplate', { TemplateType: 'Snapshot' })) as { VodTemplateInfoList: { VodTemplateId: string }[] }).VodTemplateInfoList;
    expect(listed.map((t) => t.VodTemplateId)).toContain(id);
    await client.request('UpdateVodTemplate', { VodTemplateId: id, Name: 'renamed' });
    expect(((await client.request('GetVodTemplate', { VodTemplateId: id })) as { VodTemplateInfo: Record<string, string> }).VodTemplateInfo['Name']).toBe('renamed');
    const sprite = JSON.stringify({ SnapshotType: 'SpriteSnapshot', SnapshotConfig: {} });
    expect(await rejection(client.request('UpdateVodTemplate', { VodTemplateId: id, TemplateConfig: sprite }))).toMatchObject({ code: 'InvalidParameter' });

    // The template wins over the job's own parameters.
    await snapshot({ SnapshotTemplateId: id, Count: 9, Width: 999 });
    const shots = await list('NormalSnapshot');
    expect(shots.Total).toBe(2);
    const pictures = await Promise.all(shots.Snapshots.Snapshot.map((s) => picture(s.Url)));
    expect(pictures.map((p) => p.width)).toEqual([160, 160]);
    expect(pictures.map((p) => named(p.pixel(10, 10)))).toEqual([2, 6].map(colourAt));

    await client.request('DeleteVodTemplate', { VodTemplateId: id });
    expect(await rejection(client.request('GetVodTemplate', { VodTemplateId: id }))).toMatchObject({ code: 'NoSuchResource' });
    expect(await rejection(client.request('SubmitSnapshotJob', { VideoId: videoId, SnapshotTemplateId: id }))).toMatchObject({ code: 'NoSuchResource' });
  });

  it('lists the smart covers as CoverSnapshot, and nothing for a kind never made', async () => {
    expect((await list('CoverSnapshot')).Total).toBe(0);
    const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: videoId, AITemplateId: '00000000000000000000000000000001' })) as { JobId: string };
    const deadline = Date.now() + 90_000;
    while ((await list('CoverSnapshot')).Total === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const covers = await list('CoverSnapshot');
    expect(covers.JobId).toBe(JobId);
    expect(covers.Total).toBeGreaterThan(0);
    expect((await fetch(covers.Snapshots.Snapshot[0]!.Url)).headers.get('content-type')).toBe('image/png');
  });

  it('refuses what it cannot do, with VOD codes', async () => {
    const code = async (params: Record<string, string | number>) => (await rejection(client.request('SubmitSnapshotJob', { VideoId: videoId, ...params }))).code;
    expect(await code({ VideoId: '0'.repeat(32) })).toBe('InvalidVideo.NotFound');
    expect(await code({ SnapshotTemplateId: '0'.repeat(32) })).toBe('NoSuchResource');
    expect(await code({ SpecifiedOffsetTimes: '[1,' })).toBe('InvalidParameter');
    expect(await code({ SpecifiedOffsetTimes: JSON.stringify(Array.from({ length: 31 }, (_, i) => i * 100)) })).toBe('InvalidParameter');
    expect(await code({ Width: 4 })).toBe('InvalidParameter');
    expect(await code({ Count: 0 })).toBe('InvalidParameter');
    expect(await code({ SpriteSnapshotConfig: JSON.stringify({ Columns: 0 }) })).toBe('InvalidParameter');
    expect(await code({ SpriteSnapshotConfig: JSON.stringify({ Color: 'plaid' }) })).toBe('InvalidParameter');
    expect(await code({ UserData: '{"Extend":' })).toBe('InvalidParameter');
    const { videoId: uploading } = await createUploadVideo(client, { Title: 'not yet', FileName: 'x.mp4' });
    expect((await rejection(client.request('SubmitSnapshotJob', { VideoId: uploading })))).toMatchObject({ code: 'Forbidden.IllegalStatus', status: 400 });
    expect((await rejection(client.request('ListSnapshots', { VideoId: videoId, SnapshotType: 'Thumbnails' }))).code).toBe('InvalidParameter');
    expect((await rejection(client.request('ListSnapshots', { VideoId: videoId, PageSize: 101 }))).code).toBe('InvalidParameter');
    expect((await rejection(client.request('AddVodTemplate', { Name: 'x', TemplateType: 'Subtitle', TemplateConfig: '{}' }))).code).toBe('InvalidParameter');
    expect((await rejection(client.request('AddVodTemplate', { Name: 'x', TemplateType: 'Snapshot', TemplateConfig: JSON.stringify({ SnapshotType: 'Movie' }) }))).code).toBe('InvalidParameter');
    // A time past the end fails the job, which says why.
    const late = await snapshot({ SpecifiedOffsetTime: 60_000 });
    expect(late.event).toMatchObject({ Status: 'fail', ErrorCode: 'InvalidParameter' });
  });
});
