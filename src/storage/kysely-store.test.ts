import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, freshPostgres } from '../../test/support/backend.js';
import type { Cover, Job, Video } from '../covers/model.js';
import { KyselyStore } from './kysely-store.js';
import { openPostgres } from './open-postgres.js';
import { openSqlite } from './open-sqlite.js';
import { newVideo } from '../covers/videos.js';
import type { Database } from './schema.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';

const now = new Date('2026-11-24T00:00:00Z');
const opened: Kysely<Database>[] = [];
afterAll(async () => void (await Promise.all(opened.map((db) => db.destroy()))));

async function open(backend: string): Promise<KyselyStore> {
  const db = backend === 'sqlite' ? (await openSqlite(join(mkdtempSync(join(tmpdir(), 'store-')), 's.db'))).db : await openPostgres(await freshPostgres());
  opened.push(db);
  return new KyselyStore(db, backend === 'postgres', 0);
}

const video = (id: string, accountId: string): Video => newVideo({ id, accountId, title: 't', status: 'Normal', duration: 10, size: 1, sourceKey: `${id}/source.mp4`, createdAt: now });
const job = (id: string, videoId: string, accountId: string): Job => ({
  id, accountId, videoId, templateId: 't', templateConfig: { format: 'png', setDefaultCover: true, count: 2 }, userData: '', status: 'init',
  code: '', message: '', result: [], createdAt: now, modifiedAt: now,
});
const covers = (jobId: string, videoId: string, accountId: string): Omit<Cover, 'version'>[] => [1, 2].map((n) => ({
  id: `${jobId}-${n}`, accountId, videoId, jobId, format: 'png', score: 9 - n, time: n, path: `/${videoId}/image/ai/${jobId}-0000${n}.png`,
  width: 64, height: 36, bytes: 100, blurhash: n === 1 ? 'LEHV6nWB2yk8pyo0adR*.7kCMdnj' : '', faces: n === 1 ? [{ x: 3, y: 4, width: 20, height: 21 }] : [], createdAt: now,
}));
const publish = (store: KyselyStore, jobId: string, videoId: string, accountId: string) =>
  store.publishCovers({ jobId, covers: covers(jobId, videoId, accountId), result: [], coverPath: `/${videoId}/image/ai/${jobId}-00001.png` }, now);

for (const backend of backendsUnderTest().map((b) => b.name)) {
  describe(`KyselyStore on ${backend}`, () => {
    it('publishes a job once, even when two workers publish it at the same moment', async () => {
      const store = await open(backend);
      await store.insertVideo(video('v1', 'a'));
      await store.insertJob(job('j1', 'v1', 'a'));
      const results = await Promise.all([publish(store, 'j1', 'v1', 'a'), publish(store, 'j1', 'v1', 'a'), publish(store, 'j1', 'v1', 'a')]);
      expect(results.filter((r) => r !== undefined)).toEqual([1]);
      expect(await store.videoCovers('a', 'v1')).toHaveLength(2);
      expect((await store.findJob('j1'))?.status).toBe('success');
      expect((await store.findVideo('a', 'v1'))?.coverUrl).toBe('/v1/image/ai/j1-00001.png');
    });

    it("keeps each cover's BlurHash and faces, and finds a cover by its path", async () => {
      const store = await open(backend);
      await store.insertVideo(video('v9', 'a'));
      await store.insertJob(job('j9', 'v9', 'a'));
      await publish(store, 'j9', 'v9', 'a');
      const first = await store.coverAt('/v9/image/ai/j9-00001.png');
      expect(first).toMatchObject({ id: 'j9-1', blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj', faces: [{ x: 3, y: 4, width: 20, height: 21 }] });
      expect((await store.coverAt('/v9/image/ai/j9-00002.png'))?.faces).toEqual([]);
      expect(await store.coverAt('/v9/image/ai/j9-00003.png')).toBeUndefined();
      expect(await store.coverAt('/v8/image/ai/j9-00001.png')).toBeUndefined();
    });

    it('keeps snapshot jobs and snapshot templates, finds the newest successful job of a kind, and deletes them with their video', async () => {
      const store = await open(backend);
      await store.insertVideo(video('v7', 'a'));
      const spec = { kind: 'SpriteSnapshot' as const, frameType: 'normal' as const, count: 3, interval: 1, offsetMs: 0, sprite: { columns: 10, lines: 10, padding: 0, margin: 0, color: 'black', keepCells: true } };
      const snapshotJob = (id: string, at: Date) => ({ id, accountId: 'a', videoId: 'v7', templateId: '', spec, userData: '', baseUrl: 'http://h', status: 'init' as const, code: '', message: '', createdAt: at, modifiedAt: at });
      await store.insertSnapshotJob(snapshotJob('s1', now));
      await store.insertSnapshotJob(snapshotJob('s2', now));
      expect((await store.unfinishedSnapshotJobIds()).sort()).toEqual(['s1', 's2']);
      const result = { shots: 3, sprites: 1, vtt: true, width: 160, height: 90 };
      await store.setSnapshotJobStatus('s1', 'success', { code: '', message: '', result }, new Date(now.getTime() + 1000));
      await store.setSnapshotJobStatus('s2', 'fail', { code: 'InternalError', message: 'x' }, new Date(now.getTime() + 2000));
      expect(await store.findSnapshotJob('s1')).toMatchObject({ status: 'success', result, spec });
      expect((await store.latestSnapshotJob('a', 'v7', ['SpriteSnapshot']))?.id).toBe('s1');
      expect(await store.latestSnapshotJob('a', 'v7', ['NormalSnapshot'])).toBeUndefined();
      expect(await store.latestSnapshotJob('b', 'v7', ['SpriteSnapshot'])).toBeUndefined();
      const keys = await store.deleteVideo('a', 'v7');
      expect(keys).toEqual(expect.arrayContaining(['v7/snapshots/s1/cell-00003.jpg', 'v7/snapshots/s1/sprite-00001.jpg', 'v7/snapshots/s1/index.vtt']));
      expect(await store.findSnapshotJob('s1')).toBeUndefined();

      await store.insertVodTemplate({ id: 't1', accountId: 'a', name: 'n', type: 'Snapshot', config: '{"SnapshotType":"SpriteSnapshot"}', spec, createdAt: now, modifiedAt: now });
      expect(await store.findVodTemplate('b', 't1')).toBeUndefined();
      await store.updateVodTemplate('a', 't1', { name: 'renamed' }, now);
      expect(await store.findVodTemplate('a', 't1')).toMatchObject({ name: 'renamed', spec });
      expect((await store.listVodTemplates('a', 'Snapshot')).map((t) => t.id)).toEqual(['t1']);
      expect(await store.deleteVodTemplate('b', 't1')).toBe(false);
      expect(await store.deleteVodTemplate('a', 't1')).toBe(true);
    });

    it('gives jobs of one video published at the same moment distinct versions, all of a job\'s covers under one', async () => {
      const store = await open(backend);
      await store.insertVideo(video('v2', 'a'));
      for (const id of ['j2', 'j3', 'j4']) await store.insertJob(job(id, 'v2', 'a'));
      const versions = await Promise.all(['j2', 'j3', 'j4'].map((id) => publish(store, id, 'v2', 'a')));
      expect([...versions].sort()).toEqual([1, 2, 3]);
      const listed = (await store.videoCovers('a', 'v2'))!;
      for (const id of ['j2', 'j3', 'j4']) expect(new Set(listed.filter((c) => c.jobId === id).map((c) => c.version)).size).toBe(1);
    });

    it('never shows or deletes another account\'s covers', async () => {
      const store = await open(backend);
      await store.insertVideo(video('v3', 'a'));
      await store.insertJob(job('j5', 'v3', 'a'));
      await publish(store, 'j5', 'v3', 'a');
      expect(await store.videoCovers('b', 'v3')).toBeUndefined();
      expect(await store.deleteCovers('b', ['j5-1', 'j5-2'])).toEqual([]);
      expect(await store.deleteVideo('b', 'v3')).toBeUndefined();
      expect((await store.deleteCovers('a', ['j5-2'])).map((c) => c.id)).toEqual(['j5-2']);
      expect((await store.findVideo('a', 'v3'))?.coverUrl).toBe('/v3/image/ai/j5-00001.png');
      expect((await store.deleteCovers('a', ['j5-1'])).map((c) => c.id)).toEqual(['j5-1']);
      expect((await store.findVideo('a', 'v3'))?.coverUrl).toBe('');
      expect(await store.deleteVideo('a', 'v3')).toEqual(['v3/source.mp4']);
    });

    it('agrees on one value for a setting that several processes create at once', async () => {
      const store = await open(backend);
      const values = await Promise.all(['x', 'y', 'z'].map((initial) => store.settingOrInit('url-auth-key', initial)));
      expect(new Set(values).size).toBe(1);
      expect(await store.settingOrInit('url-auth-key', 'later')).toBe(values[0]);
    });

    it.runIf(backend === 'postgres')('spends one rate budget per key, whichever process asks, and refills it with time', async () => {
      const store = await open(backend);
      const [a, b] = [new SharedRateLimiter(store.db, 2, 3), new SharedRateLimiter(store.db, 2, 3)];
      const t = 1_000_000;
      const answers = await Promise.all([a.take('k', t), b.take('k', t), a.take('k', t), b.take('k', t), a.take('k', t)]);
      expect(answers.filter((w) => w === 0)).toHaveLength(3);
      expect(answers.filter((w) => w > 0).every((w) => w >= 1)).toBe(true);
      expect(await b.take('other', t)).toBe(0);
      // Two tokens a second: half a second later, one more.
      expect(await a.take('k', t + 500)).toBe(0);
      expect(await b.take('k', t + 500)).toBeGreaterThan(0);
    });

    it.runIf(backend === 'postgres')('gives a turn\'s worth of requests for one key the tokens there are, first come first served', async () => {
      const store = await open(backend);
      const limiter = new SharedRateLimiter(store.db, 2, 3);
      const t = 1_000_000;
      expect(await Promise.all(Array.from({ length: 6 }, () => limiter.take('k', t)))).toEqual([0, 0, 0, 1, 1, 1]);
      // A second later, two more tokens: two of the next four get through.
      expect(await Promise.all(Array.from({ length: 4 }, () => limiter.take('k', t + 1000)))).toEqual([0, 0, 1, 1]);
      // A bucket never holds more than its burst, however long it rests.
      expect((await Promise.all(Array.from({ length: 5 }, () => limiter.take('k', t + 3_600_000)))).filter((w) => w === 0)).toHaveLength(3);
    });
  });
}
