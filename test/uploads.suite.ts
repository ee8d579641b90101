import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadCredentials } from '../src/covers/upload-credentials.js';
import type { Backend } from './support/backend.js';
import { startCallbackReceiver } from './support/callback-receiver.js';
import { looks as L, makeClip, scratchDir, tool } from './support/clips.js';
import { rawGet, signedQuery } from './support/raw-rpc.js';
import { createUploadVideo, decodeUpload, ossClient, ossRejection, type UploadAddress, type UploadAuth } from './support/oss.js';
import { rejection, popClient, ServerProcess, waitForJob, type Credentials, type PopClient } from './support/service.js';

const require = createRequire(import.meta.url);
/** ali-oss's own signer, for the requests its client will not send (a skewed clock, a key with '..'). */
const signUtils = require('ali-oss/lib/common/signUtils') as {
  buildCanonicalString(method: string, resource: string, request: { headers: Record<string, string>; parameters?: unknown }): string;
  computeSignature(secret: string, canonical: string): string;
};

const PNG_TEMPLATE = '00000000000000000000000000000001';
const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

/** Where the server keeps files, so a test can check what is stored and that nothing is left behind. */
export interface StorageUnderTest {
  readonly name: string;
  env(): Promise<Record<string, string>>;
  /** Keys of the stored files (relative to the storage root). */
  files(server: ServerProcess): string[];
  /** The stored file's bytes' MD5. */
  md5(server: ServerProcess, key: string): string;
}

export const localFiles: StorageUnderTest = {
  name: 'local files',
  env: async () => ({}),
  files: (server) => {
    const root = join(server.dataDir, 'media');
    return existsSync(root) ? (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1)) : [];
  },
  md5: (server, key) => md5(join(server.dataDir, 'media', key)),
};

async function settled(client: PopClient, videoId: string): Promise<Record<string, string | number>> {
  for (let i = 0; i < 300; i++) {
    const { Mezzanine } = (await client.request('GetMezzanineInfo', { VideoId: videoId })) as { Mezzanine: Record<string, string | number> };
    if (Mezzanine['Status'] !== 'Uploading' && Mezzanine['Status'] !== 'UploadSucc') return Mezzanine;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`video ${videoId} never settled`);
}

/** A hand-made object request signed the way ali-oss signs (V1), for what the client never sends itself. */
function rawObjectRequest(address: UploadAddress, auth: UploadAuth, options: { method: string; path: string; key: string; date?: Date; body?: Buffer; host?: string }): Promise<{ status: number; body: string }> {
  const date = (options.date ?? new Date()).toUTCString();
  const headers: Record<string, string> = { 'x-oss-date': date, 'x-oss-security-token': auth.SecurityToken, 'content-type': 'video/mp4', ...(options.host === undefined ? {} : { host: options.host }) };
  const canonical = signUtils.buildCanonicalString(options.method, `/${address.Bucket}/${options.key}`, { headers });
  headers['authorization'] = `OSS ${auth.AccessKeyId}:${signUtils.computeSignature(auth.AccessKeySecret, canonical)}`;
  const url = new URL(address.Endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body ?? Buffer.alloc(0));
  });
}

/**
 * Uploads the VOD way, end to end with the unchanged clients: pop-core for CreateUploadVideo and the other
 * RPC actions, ali-oss 6.x for the bytes. uploads.test.ts runs it on SQLite with files, and
 * uploads.postgres.test.ts on PostgreSQL with S3 (s3rver).
 */
export function uploadsSuite(backend: Backend, storage: StorageUnderTest): void {
  describe(`uploads on ${backend.name} with ${storage.name}`, () => {
    let server: ServerProcess;
    let env: Record<string, string>;
    let client: PopClient;
    let clip: string;
    let bigClip: string;
    let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
    let hook: string;
    const LIMIT = 6 * 1024 * 1024;

    beforeAll(async () => {
      receiver = await startCallbackReceiver();
      hook = receiver.url;
      env = { ...(await backend.serverEnv()), ...(await storage.env()), SMARTCOVER_ALLOW_PRIVATE_URLS: 'true', SMARTCOVER_UPLOAD_MAX_BYTES: String(LIMIT), SMARTCOVER_SUBJECTS: 'off', SMARTCOVER_MAX_DURATION: '20', SMARTCOVER_UPLOAD_IDLE_TIMEOUT: '1' };
      server = await ServerProcess.start(env);
      client = popClient(server);
      clip = await makeClip('upload-small.mp4', [L.testsrc(2), L.bars(2)], { width: 320, height: 240 });
      // ~1.5 MB: several 100 KB parts.
      bigClip = await makeClip('upload-big.mp4', [L.mandelbrot(3), L.testsrc(3)], { encoding: ['-preset', 'veryfast', '-crf', '6'] });
    });

    afterAll(async () => {
      await server.stop('SIGTERM');
      receiver.close();
    });

    it('put: CreateUploadVideo, then ali-oss put; the video ends Normal with what the probe found, FileUploadComplete is POSTed, and a cover job runs on it', async () => {
      const UserData = JSON.stringify({ MessageCallback: { CallbackURL: hook }, Extend: { from: 'put' } });
      const { videoId, address, auth } = await createUploadVideo(client, { Title: 'Put upload', FileName: 'C:\\videos\\holiday.mp4', UserData });
      expect(videoId).toMatch(/^[0-9a-f]{32}$/);
      expect(address.Endpoint).toBe(server.endpoint);
      expect(address.Bucket).toMatch(/^[a-z0-9_][a-z0-9-_]{1,61}[a-z0-9_]$/);
      expect(address.FileName).toBe(`sv/${videoId}/${videoId}.mp4`);
      for (const field of ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration', 'ExpireUTCTime', 'Region'] as const) expect(auth[field], field).not.toBe('');
      expect(auth.Expiration).toBe('3000');
      expect(Date.parse(auth.ExpireUTCTime) - Date.now()).toBeGreaterThan(2990_000);
      expect((await client.request('GetMezzanineInfo', { VideoId: videoId }) as { Mezzanine: { Status: string } }).Mezzanine.Status).toBe('Uploading');

      const result = await ossClient(address, auth).put(address.FileName, clip);
      expect(result.res.status).toBe(200);
      expect(result.res.headers['etag']).toBe(`"${md5(clip).toUpperCase()}"`);

      const mezzanine = await settled(client, videoId);
      expect(mezzanine).toMatchObject({ VideoId: videoId, Status: 'Normal', FileName: 'holiday.mp4', Size: readFileSync(clip).length, Width: 320, Height: 240 });
      expect(Number(mezzanine['Duration'])).toBeCloseTo(4, 0);
      expect(Number(mezzanine['Fps'])).toBeCloseTo(25, 0);
      expect(Number(mezzanine['Bitrate'])).toBeGreaterThan(0);
      expect(storage.md5(server, `${videoId}/source.mp4`)).toBe(md5(clip));

      for (let i = 0; i < 100 && !receiver.received.some((e) => e.body['VideoId'] === videoId); i++) await new Promise((r) => setTimeout(r, 100));
      expect(receiver.received.find((e) => e.body['VideoId'] === videoId)?.body).toMatchObject({ EventType: 'FileUploadComplete', VideoId: videoId, Size: readFileSync(clip).length, Status: 'success', Extend: '{"from":"put"}' });

      const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: videoId, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
      expect((await waitForJob(client, JobId))['Status']).toBe('success');
      const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: { FileURL: string }[] };
      expect(AIImageInfoList.length).toBeGreaterThan(0);
      expect((await fetch(AIImageInfoList[0]!.FileURL)).status).toBe(200);
    });

    it('multipartUpload with 100 KB parts in parallel, signed with V4; UserData asks for covers, which appear with no second call', async () => {
      const UserData = JSON.stringify({ SmartCover: { AutoCovers: true } });
      const { videoId, address, auth } = await createUploadVideo(client, { Title: 'Multipart', FileName: 'big.mp4', UserData });
      const oss = ossClient(address, auth, { authorizationV4: true, region: 'oss-cn-hangzhou' });
      const done = await oss.multipartUpload(address.FileName, bigClip, { partSize: 100 * 1024, parallel: 4 });
      expect(done.res.status).toBe(200);
      const parts = Math.ceil(readFileSync(bigClip).length / (100 * 1024));
      expect(parts).toBeGreaterThan(5);
      expect(done.res.headers['etag']).toMatch(new RegExp(`^"[0-9A-F]{32}-${parts}"$`));
      expect(await settled(client, videoId)).toMatchObject({ Status: 'Normal', Size: readFileSync(bigClip).length, Width: 640, Height: 360 });
      expect(storage.md5(server, `${videoId}/source.mp4`)).toBe(md5(bigClip));
      // The staged parts are gone once the object is whole.
      expect(storage.files(server).filter((f) => f.startsWith('uploads/'))).toEqual([]);
      let covers: unknown[] = [];
      for (let i = 0; i < 600 && covers.length === 0; i++) {
        covers = ((await client.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: unknown[] }).AIImageInfoList;
        if (covers.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(covers.length).toBe(5);
    });

    it('takes /<bucket>/<key> as well as /<key>, whatever Host says', async () => {
      const { videoId, address, auth } = await createUploadVideo(client, { Title: 'Path style', FileName: 'p.mp4' });
      // With sldEnable ali-oss puts the bucket in the path.
      expect((await ossClient(address, auth, { sldEnable: true }).put(address.FileName, clip)).res.status).toBe(200);
      expect(await settled(client, videoId)).toMatchObject({ Status: 'Normal', Size: readFileSync(clip).length });
      // Signed by hand: the bucket in the path, and a Host that names some other machine entirely.
      const other = await createUploadVideo(client, { Title: 'Path style 2', FileName: 'p.mp4' });
      const sent = await rawObjectRequest(other.address, other.auth, { method: 'PUT', path: `/${other.address.Bucket}/${other.address.FileName}`, key: other.address.FileName, body: readFileSync(clip), host: 'elsewhere.example' });
      expect(sent.status, sent.body).toBe(200);
      expect((await settled(client, other.videoId))['Status']).toBe('Normal');
    });

    it('RefreshUploadVideo gives a new credential for the same object, which uploads', async () => {
      const first = await createUploadVideo(client, { Title: 'Refresh', FileName: 'r.mov' });
      const again = decodeUpload(await client.request('RefreshUploadVideo', { VideoId: first.videoId }));
      expect(again.address).toEqual(first.address);
      expect(again.auth.AccessKeyId).not.toBe(first.auth.AccessKeyId);
      expect(again.auth.SecurityToken).not.toBe(first.auth.SecurityToken);
      expect((await ossClient(again.address, again.auth).put(again.address.FileName, clip)).res.status).toBe(200);
      expect((await settled(client, first.videoId))['Status']).toBe('Normal');
      // Once complete, the upload is over: neither refresh nor a second write is accepted.
      expect(await rejection(client.request('RefreshUploadVideo', { VideoId: first.videoId }))).toMatchObject({ code: 'InvalidVideo.Status' });
      expect(await ossRejection(ossClient(again.address, again.auth).put(again.address.FileName, clip))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(await rejection(client.request('RefreshUploadVideo', { VideoId: 'f'.repeat(32) }))).toMatchObject({ code: 'InvalidVideo.NotFound', status: 404 });
    });

    it('CreateUploadImage: a cover image uploaded with ali-oss, then used as CoverURL', async () => {
      const png = join(scratchDir(), 'custom-cover.png');
      await tool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x180', '-frames:v', '1', png]);
      const answer = await client.request('CreateUploadImage', { ImageType: 'cover', ImageExt: 'png', Title: 'Custom' });
      const { address, auth } = decodeUpload(answer);
      expect(address.FileName).toBe(`image/cover/${String(answer['ImageId'])}.png`);
      expect((await ossClient(address, auth).put(address.FileName, png)).res.status).toBe(200);
      const image = await fetch(String(answer['ImageURL']));
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await image.arrayBuffer()).equals(readFileSync(png))).toBe(true);
      // Its renditions, like a cover's (a complete image cannot be written again: renditions never go stale).
      const rendition = await fetch(`${String(answer['ImageURL'])}&x-oss-process=image/resize,w_160/format,webp`);
      expect(rendition.status).toBe(200);
      expect(await sharp(Buffer.from(await rendition.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 160, height: 90 });
      expect(await ossRejection(ossClient(address, auth).put(address.FileName, png))).toMatchObject({ status: 403 });

      const { videoId } = await createUploadVideo(client, { Title: 'With cover', FileName: 'c.mp4', CoverURL: String(answer['ImageURL']) });
      const { Video } = (await client.request('GetVideoInfo', { VideoId: videoId })) as { Video: { CoverURL: string } };
      expect(Video.CoverURL).toMatch(new RegExp(`/image/cover/${String(answer['ImageId'])}\\.png\\?auth_key=`));
      expect(Buffer.from(await (await fetch(Video.CoverURL)).arrayBuffer()).equals(readFileSync(png))).toBe(true);
      expect(await rejection(client.request('CreateUploadImage', { ImageType: 'poster' }))).toMatchObject({ code: 'InvalidParameter' });
      expect(await rejection(client.request('CreateUploadImage', { ImageType: 'default', ImageExt: 'svg' }))).toMatchObject({ code: 'InvalidParameter' });
    });

    it('answers the upload actions in XML too', async () => {
      const get = async (params: Record<string, string>) => {
        const answer = await rawGet(server.endpoint, signedQuery(server.credentials(), params, { Format: 'XML' }));
        expect(answer.type).toBe('text/xml;charset=utf-8');
        return answer;
      };
      const created = await get({ Action: 'CreateUploadVideo', Title: 'XML', FileName: 'x.mp4' });
      expect(created.status).toBe(200);
      const doc = new XMLParser().parse(created.body) as { CreateUploadVideoResponse: { VideoId: string; UploadAddress: string; UploadAuth: string } };
      const { address } = decodeUpload(doc.CreateUploadVideoResponse as unknown as Record<string, unknown>);
      expect(address.FileName).toBe(`sv/${doc.CreateUploadVideoResponse.VideoId}/${doc.CreateUploadVideoResponse.VideoId}.mp4`);
      const listed = new XMLParser({ isArray: (name) => name === 'Video' }).parse((await get({ Action: 'GetVideoList', Status: 'Uploading', PageSize: '2' })).body) as
        { GetVideoListResponse: { Total: number; VideoList: { Video: { VideoId: string; Status: string }[] } } };
      expect(listed.GetVideoListResponse.Total).toBeGreaterThanOrEqual(1);
      expect(listed.GetVideoListResponse.VideoList.Video.length).toBeGreaterThanOrEqual(1);
      expect(listed.GetVideoListResponse.VideoList.Video.every((v) => v.Status === 'Uploading')).toBe(true);
      const mezzanine = new XMLParser().parse((await get({ Action: 'GetMezzanineInfo', VideoId: doc.CreateUploadVideoResponse.VideoId })).body) as
        { GetMezzanineInfoResponse: { Mezzanine: { VideoId: string; Status: string; FileName: string } } };
      expect(mezzanine.GetMezzanineInfoResponse.Mezzanine).toMatchObject({ VideoId: doc.CreateUploadVideoResponse.VideoId, Status: 'Uploading', FileName: 'x.mp4' });
      const refused = await get({ Action: 'CreateUploadVideo', Title: 'XML', FileName: 'x.txt' });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/<Code>InvalidFileName\.Extension<\/Code>/);
    });

    it('refuses bad CreateUploadVideo parameters with VOD\'s codes', async () => {
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'notes.txt' }))).toMatchObject({ code: 'InvalidFileName.Extension', status: 400 });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'list.m3u8' }))).toMatchObject({ code: 'InvalidFileName.Extension' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'noextension' }))).toMatchObject({ code: 'InvalidFileName.Extension' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 'x'.repeat(129), FileName: 'a.mp4' }))).toMatchObject({ code: 'LengthExceededMax' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'a.mp4', Description: 'd'.repeat(1025) }))).toMatchObject({ code: 'LengthExceededMax' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'a.mp4', Tags: Array.from({ length: 17 }, (_, i) => `t${i}`).join(',') }))).toMatchObject({ code: 'TagsExceededMax' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 'bad\u0001title', FileName: 'a.mp4' }))).toMatchObject({ code: 'IllegalCharacters' });
      expect(await rejection(client.request('CreateUploadVideo', { FileName: 'a.mp4' }))).toMatchObject({ code: 'MissingParameter' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'a.mp4', FileSize: String(LIMIT + 1) }))).toMatchObject({ code: 'InvalidParameter' });
      expect(await rejection(client.request('CreateUploadVideo', { Title: 't', FileName: 'a.mp4', UserData: '{not json' }))).toMatchObject({ code: 'InvalidParameter' });
    });

    describe('refusals, each with its OSS code and nothing left behind', () => {
      /** A fresh video to upload, and a check that nothing of it was stored. */
      const fresh = async () => {
        const upload = await createUploadVideo(client, { Title: 'refused', FileName: 'x.mp4' });
        const untouched = async () => {
          expect((await client.request('GetMezzanineInfo', { VideoId: upload.videoId }) as { Mezzanine: { Status: string } }).Mezzanine.Status).toBe('Uploading');
          expect(storage.files(server).filter((f) => f.startsWith(upload.videoId))).toEqual([]);
        };
        return { ...upload, untouched };
      };

      it('a wrong secret: SignatureDoesNotMatch', async () => {
        const u = await fresh();
        expect(await ossRejection(ossClient(u.address, { ...u.auth, AccessKeySecret: `${u.auth.AccessKeySecret}x` }).put(u.address.FileName, clip))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
        await u.untouched();
      });

      it('a forged security token: InvalidSecurityToken; an expired one: SecurityTokenExpired', async () => {
        const u = await fresh();
        const forged = `${u.auth.SecurityToken.slice(0, -3)}${u.auth.SecurityToken.endsWith('AAA') ? 'BBB' : 'AAA'}`;
        expect(await ossRejection(ossClient(u.address, { ...u.auth, SecurityToken: forged }).put(u.address.FileName, clip))).toMatchObject({ code: 'InvalidSecurityToken', status: 403 });
        // A credential for the same object that expired a minute ago, minted with the server's own key.
        const [{ value }] = (await backend.query(server.dataDir, env, "SELECT value FROM settings WHERE name = 'upload-key'")) as [{ value: string }];
        const accountId = String(((await backend.query(server.dataDir, env, `SELECT account_id FROM videos WHERE id = '${u.videoId}'`))[0] as { account_id: string }).account_id);
        const expired = new UploadCredentials(value, (n) => 'E'.repeat(n)).issue({ accountId, objectKey: u.address.FileName, expiresAt: new Date(Date.now() - 60_000) });
        const old = { ...u.auth, AccessKeyId: expired.accessKeyId, AccessKeySecret: expired.accessKeySecret, SecurityToken: expired.securityToken };
        expect(await ossRejection(ossClient(u.address, old).put(u.address.FileName, clip))).toMatchObject({ code: 'SecurityTokenExpired', status: 403 });
        await u.untouched();
      });

      it("one video's credential used for another's key, or another account's: AccessDenied; an ordinary access key: AccessDenied", async () => {
        const a = await fresh();
        const b = await fresh();
        expect(await ossRejection(ossClient(a.address, a.auth).put(b.address.FileName, clip))).toMatchObject({ code: 'AccessDenied', status: 403 });
        const created = await server.cli(['keys', 'create', '--account', 'uploads-other', '--json']);
        const other = popClient(server, JSON.parse(created.stdout) as Credentials);
        const theirs = decodeUpload(await other.request('CreateUploadVideo', { Title: 'theirs', FileName: 'o.mp4' }));
        expect(await ossRejection(ossClient(theirs.address, theirs.auth).put(a.address.FileName, clip))).toMatchObject({ code: 'AccessDenied' });
        // Nor can the other account see or refresh this one's videos.
        expect(await rejection(other.request('RefreshUploadVideo', { VideoId: a.videoId }))).toMatchObject({ code: 'InvalidVideo.NotFound' });
        const own = server.credentials();
        const ordinary = { ...a.auth, AccessKeyId: own.AccessKeyId, AccessKeySecret: own.AccessKeySecret };
        expect(await ossRejection(ossClient(a.address, ordinary).put(a.address.FileName, clip))).toMatchObject({ code: 'AccessDenied', status: 403 });
        await a.untouched();
        await b.untouched();
      });

      it('a part after abort: NoSuchUpload; a complete naming unknown parts: InvalidPart', async () => {
        const u = await fresh();
        const oss = ossClient(u.address, u.auth);
        const size = readFileSync(bigClip).length;
        const { uploadId } = await oss.initMultipartUpload(u.address.FileName);
        const part = await oss.uploadPart(u.address.FileName, uploadId, 1, bigClip, 0, 100 * 1024);
        expect(await ossRejection(oss.completeMultipartUpload(u.address.FileName, uploadId, [{ number: 1, etag: part.etag }, { number: 2, etag: '"0123456789ABCDEF0123456789ABCDEF"' }]))).toMatchObject({ code: 'InvalidPart', status: 400 });
        expect(await ossRejection(oss.completeMultipartUpload(u.address.FileName, uploadId, [{ number: 1, etag: '"0123456789ABCDEF0123456789ABCDEF"' }]))).toMatchObject({ code: 'InvalidPart' });
        expect((await oss.abortMultipartUpload(u.address.FileName, uploadId)).res.status).toBe(204);
        expect(await ossRejection(oss.uploadPart(u.address.FileName, uploadId, 2, bigClip, 100 * 1024, Math.min(size, 200 * 1024)))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
        expect(storage.files(server).filter((f) => f.startsWith(`uploads/${uploadId}`))).toEqual([]);
        await u.untouched();
      });

      it('an oversized upload: EntityTooLarge, whether its length is declared or it comes chunked', async () => {
        const u = await fresh();
        const big = join(scratchDir(), 'oversized.bin');
        writeFileSync(big, Buffer.alloc(LIMIT + 1024, 7));
        expect(await ossRejection(ossClient(u.address, u.auth).put(u.address.FileName, big))).toMatchObject({ code: 'EntityTooLarge', status: 400 });
        expect(await ossRejection(ossClient(u.address, u.auth).put(u.address.FileName, createReadStream(big) as never))).toMatchObject({ code: 'EntityTooLarge', status: 400 });
        // Parts together past the limit are refused too.
        const oss = ossClient(u.address, u.auth);
        expect(await ossRejection(oss.multipartUpload(u.address.FileName, big, { partSize: 1024 * 1024, parallel: 2 }))).toMatchObject({ code: 'EntityTooLarge' });
        await u.untouched();
      });

      it('a skewed clock: RequestTimeTooSkewed; a key with ".." in it: InvalidObjectName; anonymous: AccessDenied', async () => {
        const u = await fresh();
        const skewed = await rawObjectRequest(u.address, u.auth, { method: 'PUT', path: `/${u.address.FileName}`, key: u.address.FileName, date: new Date(Date.now() - 20 * 60_000), body: readFileSync(clip) });
        expect(skewed.status).toBe(403);
        expect(skewed.body).toMatch(/<Code>RequestTimeTooSkewed<\/Code>/);
        const climbing = await rawObjectRequest(u.address, u.auth, { method: 'PUT', path: `/sv/../../${u.address.FileName}`, key: `sv/../../${u.address.FileName}`, body: readFileSync(clip) });
        expect(climbing.status).toBe(400);
        expect(climbing.body).toMatch(/<Code>InvalidObjectName<\/Code>/);
        const anonymous = await fetch(`${server.endpoint}/${u.address.FileName}`, { method: 'PUT', body: readFileSync(clip) });
        expect(anonymous.status).toBe(403);
        expect(await anonymous.text()).toMatch(/<Code>AccessDenied<\/Code>.*<RequestId>/);
        await u.untouched();
      });

      it('an upload that stalls is dropped after the idle timeout, its partial file with it', async () => {
        const u = await fresh();
        const date = new Date().toUTCString();
        const headers: Record<string, string> = { 'x-oss-date': date, 'x-oss-security-token': u.auth.SecurityToken, 'content-type': 'video/mp4', 'content-length': String(1024 * 1024) };
        const canonical = signUtils.buildCanonicalString('PUT', `/${u.address.Bucket}/${u.address.FileName}`, { headers });
        headers['authorization'] = `OSS ${u.auth.AccessKeyId}:${signUtils.computeSignature(u.auth.AccessKeySecret, canonical)}`;
        const closed = await new Promise<string>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${u.address.FileName}`, headers }, (res) => resolve(`answered ${res.statusCode}`));
          req.on('error', (e) => resolve(`closed: ${e.message}`));
          req.write(Buffer.alloc(100 * 1024, 1));
          // …and nothing more.
        });
        expect(closed).toMatch(/^closed|answered 4/);
        await new Promise((r) => setTimeout(r, 200));
        expect(storage.files(server).filter((f) => f.startsWith(u.videoId) || f.includes('.partial-'))).toEqual([]);
        await u.untouched();
      });

      it('junk bytes uploaded as a video end UploadFail with the reason', async () => {
        const u = await fresh();
        const junk = join(scratchDir(), 'junk-upload.mp4');
        writeFileSync(junk, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
        expect((await ossClient(u.address, u.auth).put(u.address.FileName, junk)).res.status).toBe(200);
        const mezzanine = await settled(client, u.videoId);
        expect(mezzanine).toMatchObject({ Status: 'UploadFail', ErrorCode: 'InvalidMedia' });
        expect(String(mezzanine['ErrorMessage'])).toMatch(/not a readable video/);
        expect(String(mezzanine['ErrorMessage'])).not.toContain(server.dataDir);
        expect(await rejection(client.request('SubmitAIImageJob', { VideoId: u.videoId, AITemplateId: PNG_TEMPLATE }))).toMatchObject({ code: 'InvalidVideo.Status' });
      });
    });

    it('a video past the media limits ends UploadFail with the limit named', async () => {
      const long = await makeClip('upload-long.mp4', [L.testsrc(24)], { width: 160, height: 120, encoding: ['-preset', 'ultrafast', '-crf', '35'] });
      const { videoId, address, auth } = await createUploadVideo(client, { Title: 'too long', FileName: 'long.mp4' });
      expect((await ossClient(address, auth).put(address.FileName, long)).res.status).toBe(200);
      const mezzanine = await settled(client, videoId);
      expect(mezzanine).toMatchObject({ Status: 'UploadFail', ErrorCode: 'InvalidMedia' });
      expect(String(mezzanine['ErrorMessage'])).toMatch(/longer than the limit of 20 s \(SMARTCOVER_MAX_DURATION\)/);
    });

    it('answers browsers\' preflights, exposing ETag', async () => {
      const response = await fetch(`${server.endpoint}/sv/x/x.mp4?uploadId=1&partNumber=1`, {
        method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-oss-date,x-oss-security-token,content-type' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(response.headers.get('access-control-allow-headers')).toContain('x-oss-security-token');
      expect(response.headers.get('access-control-expose-headers')).toContain('ETag');
    });

    it('GetVideoList: the account\'s own videos, filtered by status and time, sorted and paged', async () => {
      const created = await server.cli(['keys', 'create', '--account', 'lister', '--json']);
      const lister = popClient(server, JSON.parse(created.stdout) as Credentials);
      const ids: string[] = [];
      for (const title of ['one', 'two', 'three']) {
        ids.push(String((await lister.request('CreateUploadVideo', { Title: title, FileName: `${title}.mp4` }))['VideoId']));
        await new Promise((r) => setTimeout(r, 20));
      }
      const page = (await lister.request('GetVideoList', { PageSize: '2' })) as { Total: number; VideoList: { Video: { VideoId: string; Title: string; Status: string }[] } };
      expect(page.Total).toBe(3);
      expect(page.VideoList.Video.map((v) => v.Title)).toEqual(['three', 'two']);
      const second = (await lister.request('GetVideoList', { PageSize: '2', PageNo: '2' })) as typeof page;
      expect(second.VideoList.Video.map((v) => v.Title)).toEqual(['one']);
      const ascending = (await lister.request('GetVideoList', { SortBy: 'CreationTime:Asc' })) as typeof page;
      expect(ascending.VideoList.Video.map((v) => v.VideoId)).toEqual(ids);
      expect(((await lister.request('GetVideoList', { Status: 'Normal' })) as typeof page).Total).toBe(0);
      expect(((await lister.request('GetVideoList', { Status: 'Uploading,Normal' })) as typeof page).Total).toBe(3);
      const future = new Date(Date.now() + 3600_000).toISOString().slice(0, 19) + 'Z';
      expect(((await lister.request('GetVideoList', { StartTime: future })) as typeof page).Total).toBe(0);
      // The server's own account has other videos; none of them are this account's.
      const mine = (await client.request('GetVideoList', { PageSize: '100' })) as typeof page;
      expect(mine.VideoList.Video.some((v) => ids.includes(v.VideoId))).toBe(false);
      expect(await rejection(lister.request('GetVideoList', { Status: 'Deleted' }))).toMatchObject({ code: 'InvalidParameter' });
      expect(await rejection(lister.request('GetVideoList', { PageSize: '101' }))).toMatchObject({ code: 'InvalidParameter' });
      expect(await rejection(lister.request('GetVideoList', { StartTime: 'yesterday' }))).toMatchObject({ code: 'InvalidParameter' });
    });

    it('a server killed (-9) during a multipart upload keeps the parts it answered: the upload finishes after the restart, whole', async () => {
      const u = await createUploadVideo(client, { Title: 'crash', FileName: 'crash.mp4' });
      const size = readFileSync(bigClip).length;
      const PART = 100 * 1024;
      const count = Math.ceil(size / PART);
      const range = (n: number): [number, number] => [(n - 1) * PART, Math.min(size, n * PART)];
      let oss = ossClient(u.address, u.auth);
      const { uploadId } = await oss.initMultipartUpload(u.address.FileName);
      const answered = new Map<number, string>();
      for (const n of [1, 2, 3]) answered.set(n, (await oss.uploadPart(u.address.FileName, uploadId, n, bigClip, ...range(n))).etag);
      // Parts in flight when the process dies: some may land, some not; only the answered ones count.
      const inFlight = [4, 5].map((n) => oss.uploadPart(u.address.FileName, uploadId, n, bigClip, ...range(n)).then((r) => answered.set(n, r.etag), () => undefined));
      expect(await server.stop('SIGKILL')).toBe(null);
      await Promise.all(inFlight);
      await server.launch();
      oss = ossClient({ ...u.address, Endpoint: server.endpoint }, u.auth);
      for (let n = 1; n <= count; n++) {
        if (!answered.has(n)) answered.set(n, (await oss.uploadPart(u.address.FileName, uploadId, n, bigClip, ...range(n))).etag);
      }
      const parts = [...answered.entries()].sort(([a], [b]) => a - b).map(([number, etag]) => ({ number, etag }));
      expect((await oss.completeMultipartUpload(u.address.FileName, uploadId, parts)).res.status).toBe(200);
      expect(await settled(client = popClient(server), u.videoId)).toMatchObject({ Status: 'Normal', Size: size });
      expect(storage.md5(server, `${u.videoId}/source.mp4`)).toBe(md5(bigClip));
    });
  });
}
