import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, freshPostgres } from '../../../test/support/backend.js';
import { newVideo } from '../../covers/videos.js';
import { KyselyStore } from '../../storage/kysely-store.js';
import { openPostgres } from '../../storage/open-postgres.js';
import { openSqlite } from '../../storage/open-sqlite.js';
import type { Database } from '../../storage/schema.js';
import { CallbackSender } from './callback-sender.js';

const now = new Date('2026-12-07T00:00:00Z');
const opened: Kysely<Database>[] = [];
const closers: (() => void)[] = [];
afterAll(async () => {
  for (const close of closers) close();
  await Promise.all(opened.map((db) => db.destroy()));
});

async function open(backend: string): Promise<KyselyStore> {
  const db = backend === 'sqlite' ? (await openSqlite(join(mkdtempSync(join(tmpdir(), 'sender-')), 's.db'))).db : await openPostgres(await freshPostgres());
  opened.push(db);
  return new KyselyStore(db, backend === 'postgres', 0);
}

/** A callback target on loopback that answers each POST with the next of `statuses` (then 200), and keeps the bodies. */
async function target(statuses: number[] = []): Promise<{ url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, bodies };
}

const policy = { allowPrivate: true, maxBytes: 1 << 20, timeoutMs: 5_000, maxRedirects: 0 };

for (const backend of backendsUnderTest().map((b) => b.name)) {
  describe(`CallbackSender on ${backend}`, () => {
    it("sends a job's event once per status, however many delivery tasks ask, and again until the target takes it", async () => {
      const store = await open(backend);
      const sender = new CallbackSender(store, { now: () => now }, policy, undefined, (key) => key);
      await store.insertVideo(newVideo({ id: 'v1', accountId: 'a', title: 't', status: 'Normal', duration: 10, size: 1, sourceKey: 'v1/source.mp4', createdAt: now }));
      await store.insertJob({
        id: 'j1', accountId: 'a', videoId: 'v1', templateId: 't', templateConfig: { format: 'png', setDefaultCover: false, count: 1 }, userData: '',
        status: 'processing', code: '', message: '', result: [], createdAt: now, modifiedAt: now,
      });
      // The target refuses the first delivery: the task fails (the queue retries it) and nothing is marked.
      const hook = await target([500]);
      await store.setJobStatus('j1', 'fail', { code: 'InvalidVideo.Unreadable', message: 'no' }, now);
      await expect(sender.deliver('j1', hook.url)).rejects.toThrow(/HTTP 500/);
      expect((await store.findJob('j1'))?.eventSent).toBeUndefined();
      // The retry is taken; a second delivery task for the same event (what a second run of the job
      // queues) finds it sent.
      expect(await sender.deliver('j1', hook.url)).toEqual({ status: 'done' });
      expect(await sender.deliver('j1', hook.url)).toEqual({ status: 'done' });
      expect(hook.bodies.map((b) => [b['EventType'], b['JobId'], b['Status']])).toEqual([
        ['AIImageComplete', 'j1', 'fail'],
        ['AIImageComplete', 'j1', 'fail'],
      ]);
      expect((await store.findJob('j1'))?.eventSent).toBe('fail');
    });

    it('sends UploadByURLComplete once per UploadMediaByURL job, and FileUploadComplete for every upload', async () => {
      const store = await open(backend);
      const sender = new CallbackSender(store, { now: () => now }, policy, undefined, (key) => `http://objects/${key}`);
      await store.insertVideo(newVideo({
        id: 'v2', accountId: 'a', title: 't', status: 'Normal', sourceUrl: 'http://example.com/a.mp4', uploadJobId: 'u1', objectKey: 'v2/source.mp4', createdAt: now,
      }));
      const hook = await target();
      for (let i = 0; i < 3; i++) expect(await sender.deliverUpload('v2', hook.url)).toEqual({ status: 'done' });
      for (let i = 0; i < 2; i++) expect(await sender.deliverUpload('v2', hook.url, 'FileUploadComplete')).toEqual({ status: 'done' });
      expect(hook.bodies.map((b) => [b['EventType'], b['JobId']])).toEqual([
        ['UploadByURLComplete', 'u1'],
        ['FileUploadComplete', undefined],
        ['FileUploadComplete', undefined],
      ]);
      expect((await store.findVideoById('v2'))?.urlEventSent).toBe('u1');
    });

    it("sends a snapshot job's event once", async () => {
      const store = await open(backend);
      const sender = new CallbackSender(store, { now: () => now }, policy, undefined, (key) => key);
      const spec = { kind: 'NormalSnapshot' as const, frameType: 'normal' as const, count: 1, interval: 1, offsetMs: 0 };
      await store.insertSnapshotJob({ id: 's1', accountId: 'a', videoId: 'v1', templateId: '', spec, userData: '', baseUrl: 'http://h', status: 'processing', code: '', message: '', createdAt: now, modifiedAt: now });
      await store.setSnapshotJobStatus('s1', 'fail', { code: 'InternalError', message: 'x' }, now);
      const hook = await target();
      for (let i = 0; i < 3; i++) expect(await sender.deliverSnapshot('s1', hook.url)).toEqual({ status: 'done' });
      expect(hook.bodies.map((b) => [b['EventType'], b['Status']])).toEqual([['SnapshotComplete', 'fail']]);
    });
  });
}
