import { createReadStream, existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openService, type Service } from '../src/app.js';
import { loadEngineConfig } from '../src/config.js';
import { isAppError } from '../src/errors.js';
import { loadServiceConfig } from '../src/service-config.js';
import { looks as L, makeClip, scratchDir } from './support/clips.js';

/** The sweeper, on the real embedded database and files, with the clock (the only fake) moved by hand. */
describe('uploads never finished are cleaned up', () => {
  let service: Service;
  let dataDir: string;
  let now = new Date('2026-12-01T10:00:00Z');
  const clock = { now: () => now };
  const at = (minutes: number) => (now = new Date(Date.parse('2026-12-01T10:00:00Z') + minutes * 60_000));
  let accountId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(scratchDir(), 'sweep-'));
    service = await openService(loadServiceConfig({}, { data: dataDir, 'upload-abandon': '3600' }, dataDir), loadEngineConfig(process.env, { noSubjects: true }), { clock });
    accountId = (await service.store.ensureAccount('sweep', 'a'.repeat(32), now)).id;
  });
  afterAll(() => service.close());

  const media = () => join(service.config.dataDir, 'media');
  const gone = async (videoId: string) => service.videos.get(accountId, videoId).then(() => false, (e: unknown) => isAppError(e, 'not_found'));

  it('deletes videos given a credential an hour ago and never completed, with their staged parts, and leaves the rest', async () => {
    at(0);
    const input = { title: 't', fileName: 'a.mp4', description: '', coverUrl: '', userData: '' };
    const never = await service.uploads.createVideo(accountId, input);
    const staged = await service.uploads.createVideo(accountId, input);
    const done = await service.uploads.createVideo(accountId, input);
    const refreshed = await service.uploads.createVideo(accountId, input);
    const claims = (u: typeof staged) => service.uploads.credentials.open(u.upload.credential.accessKeyId, u.upload.credential.securityToken, now).claims;
    const neverClaims = claims(never);
    const stagedTarget = await service.uploads.target(claims(staged), staged.upload.objectKey);
    const uploadId = await service.uploads.initiateMultipart(stagedTarget);
    await service.uploads.uploadPart(stagedTarget, uploadId, 1, Readable.from([Buffer.alloc(200 * 1024, 1)]));
    expect(existsSync(join(media(), 'uploads', uploadId, '1'))).toBe(true);
    await service.uploads.putObject(await service.uploads.target(claims(done), done.upload.objectKey), Readable.from([Buffer.from('bytes')]));

    at(50);
    await service.uploads.refreshVideo(accountId, refreshed.video.id);
    at(59);
    expect(await service.uploads.sweep()).toEqual({ uploads: 0, videos: 0 });

    at(75);
    expect(await service.uploads.sweep()).toEqual({ uploads: 1, videos: 2 });
    expect(await gone(never.video.id)).toBe(true);
    expect(await gone(staged.video.id)).toBe(true);
    expect(existsSync(join(media(), 'uploads', uploadId))).toBe(false);
    expect(await service.store.findMultipartUpload(uploadId)).toBeUndefined();
    // Completed, and refreshed within the hour: kept.
    expect((await service.videos.get(accountId, done.video.id)).status).toBe('UploadSucc');
    expect((await service.videos.get(accountId, refreshed.video.id)).status).toBe('Uploading');
    // The credential of a swept video writes nothing any more.
    await expect(service.uploads.target(neverClaims, never.upload.objectKey)).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('SMARTCOVER_AUTO_COVERS submits a cover job when an upload ends Normal, unless its UserData says no', async () => {
    const auto = await openService(loadServiceConfig({}, { data: mkdtempSync(join(scratchDir(), 'auto-')), 'auto-covers': true }, dataDir), loadEngineConfig(process.env, { noSubjects: true }), { clock });
    try {
      const account = (await auto.store.ensureAccount('auto', 'b'.repeat(32), now)).id;
      const clip = await makeClip('auto-covers.mp4', [L.testsrc(2), L.bars(2)], { width: 320, height: 240 });
      const upload = async (userData: string) => {
        const created = await auto.uploads.createVideo(account, { title: 't', fileName: 'a.mp4', description: '', coverUrl: '', userData });
        const claims = auto.uploads.credentials.open(created.upload.credential.accessKeyId, created.upload.credential.securityToken, now).claims;
        await auto.uploads.putObject(await auto.uploads.target(claims, created.upload.objectKey), createReadStream(clip));
        expect(await auto.uploads.finish(created.video.id)).toEqual({ status: 'done' });
        expect((await auto.videos.get(account, created.video.id)).status).toBe('Normal');
        return auto.store.db.selectFrom('jobs').select(['template_id', 'user_data']).where('video_id', '=', created.video.id).execute();
      };
      expect(await upload('')).toEqual([{ template_id: await auto.templates.defaultId(account), user_data: '' }]);
      expect(await upload(JSON.stringify({ SmartCover: { AutoCovers: false } }))).toEqual([]);
    } finally {
      await auto.close();
    }
  });
});
