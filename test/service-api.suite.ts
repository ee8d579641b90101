import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looks as L, makeClip } from './support/clips.js';
import { inspect } from './support/media.js';
import { metric, scrape } from './support/metrics.js';
import { rawGet, signedQuery } from './support/raw-rpc.js';
import type { Backend } from './support/backend.js';
import { startCallbackReceiver, type ReceivedEvent } from './support/callback-receiver.js';
import { openApiClient, popClient, rejection, ServerProcess, waitForJob, WorkerProcess, type Credentials, type PopClient } from './support/service.js';

const PNG_TEMPLATE = '00000000000000000000000000000001';
const GIF_TEMPLATE = '00000000000000000000000000000002';
const board = [L.black(1), L.testsrc(3), L.mandelbrot(3), L.card(1), L.bars(3), L.gradient(3)];

/** Every regular file under a directory, relative paths. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

/** Polls GetVideoInfo until the video has left Uploading; returns its wire record. */
async function settledVideo(client: PopClient, videoId: string): Promise<Record<string, string>> {
  for (let i = 0; i < 100; i++) {
    const { Video } = (await client.request('GetVideoInfo', { VideoId: videoId })) as { Video: Record<string, string> };
    if (Video['Status'] !== 'Uploading') return Video;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`video ${videoId} never finished uploading`);
}

async function importVideo(server: ServerProcess, file: string, account?: string): Promise<string> {
  const run = await server.cli(['videos', 'import', file, '--json', ...(account === undefined ? [] : ['--account', account])]);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { VideoId: string }).VideoId;
}

/**
 * The service end to end, over real HTTP with the official clients, for one backend (the embedded SQLite,
 * or PostgreSQL with pg-boss): service-api.test.ts and service-api.postgres.test.ts run it.
 */
export function serviceApiSuite(backend: Backend): void {
  /** A server on this suite's backend (for PostgreSQL, with a database of its own). */
  const startServer = async (env: Record<string, string> = {}) => ServerProcess.start({ ...(await backend.serverEnv()), ...env });
  describe(`on ${backend.name}`, () => {
    describe('smartcover serve with the official clients', () => {
      let server: ServerProcess;
      let client: PopClient;
      let video: string;
      let callbacks: ReceivedEvent[];
      let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
      let receiverUrl: string;

      beforeAll(async () => {
        receiver = await startCallbackReceiver();
        callbacks = receiver.received;
        receiverUrl = receiver.url;
        server = await startServer({ SMARTCOVER_ALLOW_PRIVATE_URLS: 'true', SMARTCOVER_CALLBACK_KEY: 'cb-key' });
        client = popClient(server);
        video = await importVideo(server, await makeClip('service-board.mp4', board, { gop: 25 }));
      });

      afterAll(async () => {
        expect(await server.stop('SIGTERM')).toBe(0);
        receiver.close();
      });

      it('prints the first access key once and keeps it in DATA_DIR/credentials, mode 0600', () => {
        const credentials = server.credentials();
        expect(credentials.AccessKeyId).toMatch(/^SC[A-Za-z0-9]{22}$/);
        expect(server.output).toContain(credentials.AccessKeySecret);
        expect(statSync(join(server.dataDir, 'credentials')).mode & 0o777).toBe(0o600);
      });

      it('runs the whole flow: template, submit, poll, list, download every FileURL, delete', async () => {
        const { TemplateId } = (await client.request('AddAITemplate', {
          TemplateName: 'three stills', TemplateType: 'AIImage', TemplateConfig: JSON.stringify({ Format: 'png', SetDefaultCover: 'true', Count: 3 }),
        }, { method: 'POST' })) as { TemplateId: string };
        expect(TemplateId).toMatch(/^[0-9a-f]{32}$/);

        const userData = JSON.stringify({ MessageCallback: { CallbackType: 'http', CallbackURL: receiverUrl }, Extend: { mine: 1 } });
        const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: TemplateId, UserData: userData })) as { JobId: string };
        const job = await waitForJob(client, JobId);
        expect(job).toMatchObject({ JobId, VideoId: video, Status: 'success', TemplateId, UserData: userData });
        expect(JSON.parse(job['TemplateConfig']!)).toMatchObject({ Format: 'png', SetDefaultCover: 'true', Count: 3 });
        const result = JSON.parse(job['AIImageResult']!) as { Score: number; Url: string; SubScores: Record<string, number> }[];
        expect(result).toHaveLength(3);
        // Next to VOD's Score and Url, the sub-scores that explain it, the face and text models' among them.
        for (const item of result) {
          for (const key of ['Quality', 'Relevance', 'Faces', 'Eyes', 'Text', 'Subtitles']) {
            expect(item.SubScores[key], key).toBeGreaterThanOrEqual(0);
            expect(item.SubScores[key], key).toBeLessThanOrEqual(1);
          }
        }

        const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
        const mine = AIImageInfoList.filter((c) => c['JobId'] === JobId);
        expect(mine).toHaveLength(3);
        const scores = AIImageInfoList.map((c) => Number(c['Score']));
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
        expect(new Set(mine.map((c) => c['Version']))).toEqual(new Set([mine[0]!['Version']]));
        for (const cover of mine) {
          expect(cover).toMatchObject({ Format: 'png', VideoId: video });
          expect(typeof cover['Score']).toBe('string');
          expect(cover['FileURL']).toMatch(new RegExp(`^${server.endpoint}/${video}/image/ai/${JobId}-0000\\d\\.png\\?auth_key=\\d+-[^-]+-0-[0-9a-f]{32}$`));
          const response = await fetch(cover['FileURL']!);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe('image/png');
          const file = join(server.dataDir, 'downloaded.png');
          (await import('node:fs')).writeFileSync(file, Buffer.from(await response.arrayBuffer()));
          expect(await inspect(file)).toMatchObject({ codec: 'png', width: 640, height: 360 });
        }

        // SetDefaultCover: the video's cover is the best cover of the job, handed out signed.
        const { Video } = (await client.request('GetVideoInfo', { VideoId: video })) as { Video: Record<string, unknown> };
        expect(String(Video['CoverURL'])).toContain(new URL(mine[0]!['FileURL']!).pathname);
        expect(Video).toMatchObject({ VideoId: video, Status: 'Normal' });
        expect(Video['Duration']).toBeCloseTo(14, 0);

        // The completion callback arrived, signed.
        const event = callbacks.find((c) => c.body['JobId'] === JobId)!;
        expect(event.body).toMatchObject({ EventType: 'AIImageComplete', VideoId: video, Status: 'success' });
        expect(JSON.parse(event.body['Extend']!)).toEqual({ mine: 1 });
        const ts = String(event.headers['x-vod-timestamp']);
        expect(event.headers['x-vod-signature']).toBe(createHash('md5').update(`${receiverUrl}|${ts}|cb-key`).digest('hex'));

        // Delete two covers: the records go at once, the files shortly after.
        const doomed = mine.slice(0, 2);
        await client.request('DeleteAIImageInfos', { AIImageInfoIds: doomed.map((c) => c['AIImageInfoId']).join(',') });
        const after = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
        expect(after.AIImageInfoList.map((c) => c['AIImageInfoId'])).not.toContain(doomed[0]!['AIImageInfoId']);
        // The best cover was the video's CoverURL: it is cleared rather than left pointing at nothing.
        expect(((await client.request('GetVideoInfo', { VideoId: video })) as { Video: Record<string, unknown> }).Video['CoverURL']).toBe('');
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && filesUnder(join(server.dataDir, 'media')).some((f) => doomed.some((c) => c['FileURL']!.includes(f)))) await new Promise((r) => setTimeout(r, 200));
        expect((await fetch(doomed[0]!['FileURL']!)).status).toBe(404);
      });

      it('makes a GIF with the GIF template, served as image/gif', async () => {
        const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: GIF_TEMPLATE }, { method: 'POST' })) as { JobId: string };
        expect((await waitForJob(client, JobId))['Status']).toBe('success');
        const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
        const gif = AIImageInfoList.find((c) => c['JobId'] === JobId)!;
        expect(gif['Format']).toBe('gif');
        const response = await fetch(gif['FileURL']!);
        expect(response.headers.get('content-type')).toBe('image/gif');
        expect(Buffer.from(await response.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
      });

      it('answers the generated SDKs\' client with V3 signatures and with V1 (signatureAlgorithm v2)', async () => {
        for (const call of [openApiClient(server), openApiClient(server, 'v2')]) {
          const list = await call('ListAIImageInfo', { VideoId: video });
          expect(list['RequestId']).toMatch(/^[0-9A-F-]{36}$/);
          expect((list['AIImageInfoList'] as unknown[]).length).toBeGreaterThan(0);
          const templates = await call('ListAITemplate', { TemplateType: 'AIImage' });
          expect((templates['TemplateInfoList'] as { TemplateId: string }[]).map((t) => t.TemplateId)).toContain(PNG_TEMPLATE);
          const error = await rejection(call('GetVideoInfo', { VideoId: 'f'.repeat(32) }));
          expect(error.code).toBe('InvalidVideo.NotFound');
          expect(error.status).toBe(404);
        }
      });

      it('renders XML with flat arrays, and XML errors with the exact Content-Type the SDKs parse', async () => {
        const credentials = server.credentials();
        const ok = await rawGet(server.endpoint, signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }, { Format: 'XML' }));
        expect(ok.status).toBe(200);
        expect(ok.type).toBe('text/xml;charset=utf-8');
        expect(ok.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><ListAITemplateResponse>')).toBe(true);
        const parsed = new XMLParser().parse(ok.body) as { ListAITemplateResponse: { RequestId: string; TemplateInfoList: { TemplateId: string }[] } };
        expect(parsed.ListAITemplateResponse.TemplateInfoList.length).toBeGreaterThanOrEqual(2);
        expect(ok.headers.get('x-acs-request-id')).toBe(parsed.ListAITemplateResponse.RequestId);

        const bad = await rawGet(server.endpoint, signedQuery(credentials, { Action: 'ListAIImageInfo' }, { Format: 'xml' }));
        expect(bad.status).toBe(400);
        expect(bad.type).toBe('text/xml;charset=utf-8');
        const error = new XMLParser().parse(bad.body) as { Error: Record<string, string> };
        expect(error.Error).toMatchObject({ Code: 'MissingParameter', HostId: 'smartcover' });
        expect(error.Error['Message']).toContain('"VideoId"');
        expect(Object.keys(error.Error)).toEqual(['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
        expect(new URL(error.Error['Recommend']!).searchParams.get('code')).toBe('MissingParameter');
      });

      describe('every error code in the spec', () => {
        const expectCode = async (query: string, code: string, status: number) => {
          const response = await rawGet(server.endpoint, query);
          expect(response.status, response.body).toBe(status);
          // An error in an unusable Format comes back in the default, XML.
          const body = response.type.startsWith('text/xml')
            ? (new XMLParser().parse(response.body) as { Error: Record<string, string> }).Error
            : (JSON.parse(response.body) as Record<string, string>);
          expect(body).toMatchObject({ Code: code, HostId: 'smartcover' });
          expect(body['RequestId']).toBe(response.headers.get('x-acs-request-id'));
          return response;
        };
        let credentials: Credentials;
        beforeAll(() => {
          credentials = server.credentials();
        });

        it('MissingParameter and InvalidParameter, raised by pop-core too', async () => {
          expect(await rejection(client.request('ListAIImageInfo', {}))).toMatchObject({ code: 'MissingParameter' });
          const tooMany = Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(32, '0')).join(',');
          expect(await rejection(client.request('GetAIImageJobs', { JobIds: tooMany }))).toMatchObject({ code: 'InvalidParameter' });
          expect(await rejection(client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE, UserData: '{not json' }))).toMatchObject({ code: 'InvalidParameter' });
          expect(await rejection(client.request('AddAITemplate', { TemplateName: 'x', TemplateType: 'AIImage', TemplateConfig: '{"Format":"png","SetDefaultCover":"true","Colour":"red"}' }))).toMatchObject({ code: 'InvalidParameter' });
          expect(await rejection(client.request('AddAITemplate', { TemplateName: 'x', TemplateType: 'AIMediaAudit', TemplateConfig: '{}' }))).toMatchObject({ code: 'InvalidParameter' });
          await expectCode(signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video }, { Version: '2014-01-01' }), 'InvalidParameter', 400);
          await expectCode(signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video }, { Format: 'YAML' }), 'InvalidParameter.Format', 400);
        });

        it('InvalidAction.NotFound', async () => {
          expect(await rejection(client.request('MakeCoffee', {}))).toMatchObject({ code: 'InvalidAction.NotFound' });
          await expectCode(signedQuery(credentials, { Action: 'MakeCoffee' }), 'InvalidAction.NotFound', 404);
        });

        it('InvalidAccessKeyId.NotFound, SignatureDoesNotMatch, IncompleteSignature, InvalidSignatureMethod', async () => {
          const stranger = popClient(server, { AccessKeyId: 'SCnobodyhasthiskey000000', AccessKeySecret: 'x' });
          expect(await rejection(stranger.request('ListAITemplate', { TemplateType: 'AIImage' }))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' });
          const wrong = popClient(server, { AccessKeyId: credentials.AccessKeyId, AccessKeySecret: 'wrong-secret' });
          expect(await rejection(wrong.request('ListAITemplate', { TemplateType: 'AIImage' }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
          const v3wrong = openApiClient(server, undefined, { AccessKeyId: credentials.AccessKeyId, AccessKeySecret: 'wrong-secret' });
          expect(await rejection(v3wrong('ListAITemplate', { TemplateType: 'AIImage' }))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 400 });
          await expectCode(signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }, { Signature: undefined, SignatureNonce: undefined }).replace(/&Signature=[^&]*/, ''), 'IncompleteSignature', 400);
          await expectCode(signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }, { SignatureMethod: 'HMAC-MD5' }), 'InvalidSignatureMethod', 400);
          // A tampered parameter after signing.
          const signed = signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: video });
          await expectCode(signed.replace(video, 'f'.repeat(32)), 'SignatureDoesNotMatch', 400);
        });

        it('InvalidTimeStamp.Format, InvalidTimeStamp.Expired and SignatureNonceUsed', async () => {
          await expectCode(signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }, { Timestamp: '24/11/2026 10:00' }), 'InvalidTimeStamp.Format', 400);
          const old = `${new Date(Date.now() - 16 * 60_000).toISOString().slice(0, 19)}Z`;
          await expectCode(signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }, { Timestamp: old }), 'InvalidTimeStamp.Expired', 400);
          const once = signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' });
          expect((await rawGet(server.endpoint, once)).status).toBe(200);
          await expectCode(once, 'SignatureNonceUsed', 400);
        });

        it('InvalidVideo.NotFound and Forbidden', async () => {
          expect(await rejection(client.request('ListAIImageInfo', { VideoId: 'f'.repeat(32) }))).toMatchObject({ code: 'InvalidVideo.NotFound' });
          const forbidden = await rejection(client.request('DeleteAITemplate', { TemplateId: PNG_TEMPLATE }));
          expect(forbidden).toMatchObject({ code: 'Forbidden' });
          const v3 = await rejection(openApiClient(server)('UpdateAITemplate', { TemplateId: PNG_TEMPLATE, TemplateName: 'mine now' }));
          expect(v3).toMatchObject({ code: 'Forbidden', status: 403 });
        });

        it('InvalidAccessKeyId.Inactive once a key is disabled', async () => {
          const created = await server.cli(['keys', 'create', '--account', 'temp', '--json']);
          const key = JSON.parse(created.stdout) as Credentials;
          const temp = popClient(server, key);
          await temp.request('ListAITemplate', { TemplateType: 'AIImage' });
          expect((await server.cli(['keys', 'disable', key.AccessKeyId])).code).toBe(0);
          // Keys are cached for a second: the disable takes effect within that.
          await new Promise((r) => setTimeout(r, 1_100));
          expect(await rejection(temp.request('ListAITemplate', { TemplateType: 'AIImage' }))).toMatchObject({ code: 'InvalidAccessKeyId.Inactive' });
          const listed = await server.cli(['keys', 'list', '--json']);
          expect(listed.stdout).not.toContain(key.AccessKeySecret);
          expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ AccessKeyId: key.AccessKeyId, Status: 'Inactive', Account: 'temp' }));
        });
      });

      describe('accounts', () => {
        it('never see or touch another account\'s videos, templates, jobs or covers', async () => {
          const created = await server.cli(['keys', 'create', '--account', 'other', '--json']);
          const other = popClient(server, JSON.parse(created.stdout) as Credentials);
          const { TemplateId } = (await client.request('AddAITemplate', { TemplateName: 'private', TemplateType: 'AIImage', TemplateConfig: '{"Format":"png","SetDefaultCover":"false"}' })) as { TemplateId: string };
          const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
          const jobId = AIImageInfoList[0]!['JobId']!;

          expect(await rejection(other.request('ListAIImageInfo', { VideoId: video }))).toMatchObject({ code: 'InvalidVideo.NotFound' });
          expect(await rejection(other.request('GetVideoInfo', { VideoId: video }))).toMatchObject({ code: 'InvalidVideo.NotFound' });
          expect(await rejection(other.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE }))).toMatchObject({ code: 'InvalidVideo.NotFound' });
          expect(await rejection(other.request('GetAITemplate', { TemplateId }))).toMatchObject({ code: 'InvalidTemplate.NotFound' });
          expect(((await other.request('ListAITemplate', { TemplateType: 'AIImage' })) as { TemplateInfoList: { TemplateId: string }[] }).TemplateInfoList.map((t) => t.TemplateId)).not.toContain(TemplateId);
          expect(((await other.request('GetAIImageJobs', { JobIds: jobId })) as { AIImageJobList: unknown[] }).AIImageJobList).toEqual([]);
          await other.request('DeleteAIImageInfos', { AIImageInfoIds: AIImageInfoList[0]!['AIImageInfoId']! });
          const deleted = (await other.request('DeleteVideo', { VideoIds: video })) as { NonExistVideoIds: string[] };
          expect(deleted.NonExistVideoIds).toEqual([video]);
          const still = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: unknown[] };
          expect(still.AIImageInfoList).toHaveLength(AIImageInfoList.length);
        });
      });

      describe('signed file URLs', () => {
        it('refuse expired, tampered and missing keys with 403, and never serve anything but covers', async () => {
          const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
          const url = new URL(AIImageInfoList[0]!['FileURL']!);
          expect((await fetch(url)).status).toBe(200);
          const key = await backend.urlAuthKey(server.dataDir, server.env);
          const oldTs = Math.floor(Date.now() / 1000) - 1801;
          const expired = `${url.pathname}?auth_key=${oldTs}-0-0-${createHash('md5').update(`${url.pathname}-${oldTs}-0-0-${key}`).digest('hex')}`;
          expect((await fetch(`${server.endpoint}${expired}`)).status).toBe(403);
          const tampered = url.toString().replace(/[0-9a-f]$/, (c) => (c === 'a' ? 'b' : 'a'));
          expect((await fetch(tampered)).status).toBe(403);
          expect((await fetch(`${server.endpoint}${url.pathname}`)).status).toBe(403);
          for (const path of ['/../smartcover.db', `/${video}/image/ai/..%2F..%2Fsmartcover.db`, `/${video}/source.mp4`, `/${video}/image/ai/x.png`, '/url-auth-key']) {
            const response = await fetch(`${server.endpoint}${path}${url.search}`);
            expect([403, 404], path).toContain(response.status);
            expect(response.headers.get('content-type') ?? '').not.toContain('image');
          }
        });
      });

      describe('UploadMediaByURL', () => {
        let origin: Server;
        let base: string;
        beforeAll(async () => {
          const file = await makeClip('upload.mp4', [L.testsrc(2), L.bars(2)]);
          origin = createServer((req, res) => {
            if (req.url === '/video.mp4') res.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(file));
            else if (req.url === '/notes.txt') res.writeHead(200).end('not a video');
            else res.writeHead(404).end();
          });
          await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
          base = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
        });
        afterAll(() => origin.close());

        it('fetches a video, leaves UploadFail with the reason when the URL is missing or not a video, and reports each in UploadByURLComplete', async () => {
          const urls = [`${base}/video.mp4`, `${base}/missing.mp4`, `${base}/notes.txt`].map(encodeURIComponent).join(',');
          const UserData = JSON.stringify({ MessageCallback: { CallbackType: 'http', CallbackURL: receiverUrl }, Extend: { batch: 7 } });
          const { UploadJobs } = (await client.request('UploadMediaByURL', { UploadURLs: urls, UserData, UploadMetadatas: JSON.stringify([{ SourceURL: `${base}/video.mp4`, Title: 'Fetched' }]) })) as { UploadJobs: { VideoId: string; SourceURL: string; JobId: string }[] };
          expect(UploadJobs.map((j) => j.SourceURL)).toEqual([`${base}/video.mp4`, `${base}/missing.mp4`, `${base}/notes.txt`]);
          const [good, missing, text] = await Promise.all(UploadJobs.map((j) => settledVideo(client, j.VideoId)));
          expect(good).toMatchObject({ Status: 'Normal', Title: 'Fetched' });
          expect(Number(good!['Duration'])).toBeCloseTo(4, 0);
          expect(missing).toMatchObject({ Status: 'UploadFail' });
          expect(missing!['ErrorMessage']).toMatch(/HTTP 404/);
          expect(text).toMatchObject({ Status: 'UploadFail', ErrorCode: 'InvalidMedia' });
          // One UploadByURLComplete per URL, to UserData's callback, with the upload's JobId, signed.
          const uploadEvents = async () => callbacks.filter((c) => c.body['EventType'] === 'UploadByURLComplete' && UploadJobs.some((j) => j.VideoId === c.body['VideoId']));
          for (let i = 0; (await uploadEvents()).length < 3 && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
          const events = await uploadEvents();
          expect(events).toHaveLength(3);
          for (const [i, job] of UploadJobs.entries()) {
            const event = events.find((e) => e.body['VideoId'] === job.VideoId)!;
            expect(event.body).toMatchObject({ JobId: job.JobId, SourceURL: job.SourceURL, Status: i === 0 ? 'success' : 'fail', Extend: '{"batch":7}' });
            expect(event.body['ErrorCode']).toBe(i === 0 ? '' : i === 1 ? 'FetchFailed' : 'InvalidMedia');
            expect(event.headers['x-vod-signature']).toMatch(/^[0-9a-f]{32}$/);
          }
          const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: UploadJobs[0]!.VideoId, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
          expect((await waitForJob(client, JobId))['Status']).toBe('success');
        });

        it('refuses URLs that are not http(s)', async () => {
          expect(await rejection(client.request('UploadMediaByURL', { UploadURLs: encodeURIComponent('file:///etc/passwd') }))).toMatchObject({ code: 'InvalidParameter' });
          const badCallback = JSON.stringify({ MessageCallback: { CallbackType: 'http', CallbackURL: 'ftp://example.com/hook' } });
          const refused = await rejection(client.request('UploadMediaByURL', { UploadURLs: encodeURIComponent(`${base}/video.mp4`), UserData: badCallback }));
          expect(refused).toMatchObject({ code: 'InvalidParameter' });
          expect(refused.message).toMatch(/UserData/);
        });
      });
    });

    describe('a server that keeps outbound fetches off private addresses (the default)', () => {
      it('refuses to fetch from loopback and says why', async () => {
        const server = await startServer();
        try {
          const client = popClient(server);
          const { UploadJobs } = (await client.request('UploadMediaByURL', { UploadURLs: encodeURIComponent('http://127.0.0.1:9/video.mp4') })) as { UploadJobs: { VideoId: string }[] };
          const video = await settledVideo(client, UploadJobs[0]!.VideoId);
          expect(video).toMatchObject({ Status: 'UploadFail', ErrorCode: 'URLForbidden' });
          expect(video['ErrorMessage']).toMatch(/private/);
        } finally {
          await server.stop();
        }
      });
    });

    describe('a rate-limited key', () => {
      it('gets Throttling.User with x-acs-retry-after once its burst is spent', async () => {
        const server = await startServer({ SMARTCOVER_RATE_LIMIT: '1', SMARTCOVER_RATE_BURST: '2' });
        try {
          const credentials = server.credentials();
          const statuses: { status: number; body: string; retry: string | null }[] = [];
          for (let i = 0; i < 4; i++) {
            const r = await rawGet(server.endpoint, signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' }));
            statuses.push({ status: r.status, body: r.body, retry: r.headers.get('x-acs-retry-after') });
          }
          const throttled = statuses.find((s) => s.status === 400)!;
          expect(JSON.parse(throttled.body)).toMatchObject({ Code: 'Throttling.User' });
          expect(Number(throttled.retry)).toBeGreaterThanOrEqual(1);
          expect(await rejection(popClient(server).request('ListAITemplate', { TemplateType: 'AIImage' }))).toMatchObject({ code: 'Throttling.User' });
        } finally {
          await server.stop();
        }
      });
    });

    describe('limits', () => {
      it('refuses too many parameters, an oversized body, and an upload over the size limit', async () => {
        const server = await startServer({ SMARTCOVER_UPLOAD_MAX_BYTES: '1000', SMARTCOVER_ALLOW_PRIVATE_URLS: 'true', SMARTCOVER_BODY_LIMIT: '4096' });
        const origin = createServer((_req, res) => res.writeHead(200).end(Buffer.alloc(50_000)));
        await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
        try {
          const credentials = server.credentials();
          const extra = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`Extra${i}`, 'x']));
          const many = await rawGet(server.endpoint, signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage', ...extra }));
          expect(many.status).toBe(400);
          expect(JSON.parse(many.body)).toMatchObject({ Code: 'InvalidParameter' });

          const big = await fetch(`${server.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=ListAITemplate&Pad=${'x'.repeat(10_000)}` });
          expect(big.status).toBe(413);

          const client = popClient(server);
          const url = `http://127.0.0.1:${(origin.address() as { port: number }).port}/huge.mp4`;
          const { UploadJobs } = (await client.request('UploadMediaByURL', { UploadURLs: encodeURIComponent(url) })) as { UploadJobs: { VideoId: string }[] };
          expect(await settledVideo(client, UploadJobs[0]!.VideoId)).toMatchObject({ Status: 'UploadFail', ErrorCode: 'FileTooLarge' });
        } finally {
          origin.close();
          await server.stop();
        }
      });

      it('a job whose source turns out unreadable ends fail with a clear Code, once, with no covers', async () => {
        const server = await startServer();
        try {
          const client = popClient(server);
          const video = await importVideo(server, await makeClip('good.mp4', [L.testsrc(3)]));
          const source = filesUnder(join(server.dataDir, 'media', video)).find((f) => f.startsWith('source'))!;
          (await import('node:fs')).writeFileSync(join(server.dataDir, 'media', video, source), 'no longer a video');
          const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
          const job = await waitForJob(client, JobId);
          expect(job).toMatchObject({ Status: 'fail', Code: 'InvalidVideo.Unreadable', AIImageResult: '' });
          expect(job['Message']).toMatch(/not a readable video/);
          expect(((await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: unknown[] }).AIImageInfoList).toEqual([]);
          expect(server.output).not.toMatch(/will retry/);
        } finally {
          await server.stop();
        }
      });
    });

    describe('failures of the server itself', () => {
      it('ServiceUnavailable (503) while the database cannot be reached, and fine again after', async () => {
        const server = await startServer();
        try {
          const client = popClient(server);
          await backend.unreachable(server.dataDir, server.env, async () => {
            const error = await rejection(openApiClient(server)('ListAITemplate', { TemplateType: 'AIImage' }));
            expect(error, `${JSON.stringify(error)}\nserver: ${server.output.slice(-3000)}`).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
          });
          await client.request('ListAITemplate', { TemplateType: 'AIImage' });
        } finally {
          await server.stop();
        }
      });

      it('InternalError (500) for anything unexpected, without leaking what went wrong', async () => {
        const server = await startServer();
        try {
          const client = popClient(server);
          const video = await importVideo(server, await makeClip('good.mp4', [L.testsrc(3)]));
          await backend.query(server.dataDir, server.env, 'DROP TABLE covers');
          const error = await rejection(client.request('ListAIImageInfo', { VideoId: video }));
          expect(error).toMatchObject({ code: 'InternalError' });
          expect(error.message).not.toMatch(/covers|table|sqlite/i);
          expect(await rejection(openApiClient(server)('ListAIImageInfo', { VideoId: video }))).toMatchObject({ code: 'InternalError', status: 500 });
          // The details are in the server's log for its operator.
          expect(server.output).toMatch(/no such table: covers|relation \W+covers\W+ does not exist/);
        } finally {
          await server.stop();
        }
      });
    });

    describe('an API and a worker in separate processes', () => {
      it('lists a job\'s covers as soon as the job reports success, though another process made them', async () => {
        const server = await startServer({ SMARTCOVER_NO_WORKER: 'true' });
        const worker = await WorkerProcess.start(server.env, server.dataDir);
        try {
          const client = popClient(server);
          const video = await importVideo(server, await makeClip('split.mp4', [L.testsrc(3), L.bars(3)]));
          const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
          // Listing while waiting: a list remembered from before the job finished must not be served after.
          for (let i = 0; ; i++) {
            expect(i).toBeLessThan(600);
            const { AIImageJobList } = (await client.request('GetAIImageJobs', { JobIds: JobId })) as { AIImageJobList: { Status: string }[] };
            const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: unknown[] };
            if (AIImageJobList[0]!.Status === 'success') {
              expect(AIImageInfoList.length).toBeGreaterThan(0);
              break;
            }
            expect(AIImageJobList[0]!.Status).not.toBe('fail');
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          await Promise.all([worker.stop(), server.stop()]);
        }
      });
    });

    describe('crashes and shutdown', () => {
      it('a server killed mid-job runs the job again after a restart, and the video ends with exactly one set of covers', async () => {
        const server = await startServer();
        const client = popClient(server);
        const video = await importVideo(server, await makeClip('crash.mp4', [L.testsrc(20), L.gradient(20), L.bars(20)], { width: 1280, height: 720, gop: 50 }));
        const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
        expect(await untilProcessing(client, JobId)).toBe(true);
        const answeredBeforeCrash = signedQuery(server.credentials(), { Action: 'ListAITemplate', TemplateType: 'AIImage' });
        expect((await rawGet(server.endpoint, answeredBeforeCrash)).status).toBe(200);
        expect(await server.stop('SIGKILL')).toBeNull();

        await server.launch();
        // Replay protection outlives the crash: a request answered before it cannot be replayed after.
        const replayed = await rawGet(server.endpoint, answeredBeforeCrash);
        expect(replayed.status).toBe(400);
        expect(replayed.body).toContain('SignatureNonceUsed');
        const restarted = popClient(server);
        const job = await waitForJob(restarted, JobId, 120_000);
        expect(job['Status']).toBe('success');
        const { AIImageInfoList } = (await restarted.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
        expect(AIImageInfoList.length).toBeGreaterThanOrEqual(3);
        expect(AIImageInfoList).toHaveLength((JSON.parse(job['AIImageResult']!) as unknown[]).length);
        expect(new Set(AIImageInfoList.map((c) => c['Version']))).toEqual(new Set(['1']));
        // No stray files: the media store holds the source and exactly the listed covers.
        const files = filesUnder(join(server.dataDir, 'media', video)).filter((f) => f.startsWith('image/'));
        expect(files.sort()).toEqual(AIImageInfoList.map((c) => new URL(c['FileURL']!).pathname.split(`/${video}/`)[1]).sort());
        expect(await server.stop('SIGTERM')).toBe(0);
      }, 240_000);

      it('SIGTERM stops the server cleanly; a job it could not finish in the grace period runs after a restart', async () => {
        const server = await startServer({ SMARTCOVER_SHUTDOWN_GRACE: '0' });
        const client = popClient(server);
        const video = await importVideo(server, await makeClip('crash.mp4', [L.testsrc(20), L.gradient(20), L.bars(20)], { width: 1280, height: 720, gop: 50 }));
        const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
        expect(await untilProcessing(client, JobId)).toBe(true);
        expect(await server.stop('SIGTERM')).toBe(0);
        await server.launch();
        const job = await waitForJob(popClient(server), JobId, 120_000);
        expect(job['Status']).toBe('success');
        const { AIImageInfoList } = (await popClient(server).request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
        expect(new Set(AIImageInfoList.map((c) => c['Version']))).toEqual(new Set(['1']));
        expect(await server.stop('SIGTERM')).toBe(0);
      });

      // PostgreSQL hands a dead worker's task on when its lease (--task-lease, 15 min) runs out.
      it.runIf(backend.name === 'sqlite')('a worker killed mid-job: the next one started on the data runs the job again at once, not after the lease', async () => {
        const server = await startServer({ SMARTCOVER_NO_WORKER: 'true' });
        let worker = await WorkerProcess.start(server.env, server.dataDir);
        try {
          const client = popClient(server);
          const video = await importVideo(server, await makeClip('worker-crash.mp4', [L.testsrc(6), L.gradient(6), L.bars(6)], { width: 1280, height: 720, gop: 50 }));
          const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
          expect(await untilProcessing(client, JobId)).toBe(true);
          expect(await worker.stop('SIGKILL')).toBeNull();
          const restarted = Date.now();
          worker = await WorkerProcess.start(server.env, server.dataDir);
          expect((await waitForJob(client, JobId, 120_000))['Status']).toBe('success');
          // The dead worker's lease (60 s, renewed every 20 s) had most of a minute left.
          expect(Date.now() - restarted).toBeLessThan(40_000);
        } finally {
          await Promise.all([worker.stop(), server.stop()]);
        }
      }, 240_000);

      it('a second server on the same data leaves the first one\'s running job to it, and one on a taken port exits before touching anything', async () => {
        const first = await startServer({ SMARTCOVER_OPS_PORT: '0' });
        let second: ServerProcess | undefined;
        try {
          const client = popClient(first);
          const video = await importVideo(first, await makeClip('crash.mp4', [L.testsrc(20), L.gradient(20), L.bars(20)], { width: 1280, height: 720, gop: 50 }));
          const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
          expect(await untilProcessing(client, JobId)).toBe(true);

          const taken = await first.cli(['serve', '--port', String(first.port), '--host', '127.0.0.1']);
          expect(taken.code).toBe(1);
          expect(taken.stderr).toContain(`${first.port}`);
          expect(taken.stdout).not.toContain('listening');

          second = new ServerProcess(first.dataDir, first.env);
          await second.launch();
          // (Still running when the second server started: else this would prove nothing.)
          const { AIImageJobList } = (await client.request('GetAIImageJobs', { JobIds: JobId })) as { AIImageJobList: { Status: string }[] };
          expect(AIImageJobList[0]!.Status).toBe('processing');
          expect((await waitForJob(popClient(second), JobId, 120_000))['Status']).toBe('success');
          // Once both queues are idle, the engine has run the job once, in the process that took it first.
          // (Counted by its stages, not by tasks: a job that finishes while the second server starts can
          // be queued again by its recovery and end at once as a no-op, finding the job done.)
          const idle = async (ops: string) => metric(await scrape(ops), 'smartcover_queue_tasks') === 0;
          for (let i = 0; !((await idle(first.ops!)) && (await idle(second.ops!))); i++) {
            expect(i).toBeLessThan(200);
            await new Promise((r) => setTimeout(r, 50));
          }
          await new Promise((r) => setTimeout(r, 500));
          const analyses = async (ops: string) => metric(await scrape(ops), 'smartcover_engine_stage_duration_seconds_count', { stage: 'render' });
          expect([await analyses(first.ops!), await analyses(second.ops!)]).toEqual([1, 0]);
          const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
          expect(new Set(AIImageInfoList.map((c) => c['Version']))).toEqual(new Set(['1']));
        } finally {
          await second?.stop();
          await first.stop();
        }
      }, 240_000);
    });

    /** Waits until the job is running; false if it never was seen running (it finished too fast to test). */
    async function untilProcessing(client: PopClient, jobId: string): Promise<boolean> {
      for (let i = 0; i < 400; i++) {
        const { AIImageJobList } = (await client.request('GetAIImageJobs', { JobIds: jobId })) as { AIImageJobList: { Status: string }[] };
        if (AIImageJobList[0]!.Status === 'processing') return true;
        if (AIImageJobList[0]!.Status !== 'init') return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return false;
    }

    describe('the service used wrongly', () => {
      it('reports every bad setting at once and exits 2', async () => {
        const server = new ServerProcess(mkdtempSync(join(tmpdir(), 'unused-')), { SMARTCOVER_SUBJECTS: 'sometimes' });
        const run = await server.cli(['serve', '--port', 'eighty', '--concurrency', '0', '--database-url', 'mysql://db/x', '--storage', 's3:/bucket',
          '--s3-endpoint', 'ftp://minio', '--files-url', 'cdn.example.com', '--task-lease', '5', '--queue-maintenance', '0']);
        expect(run.code).toBe(2);
        expect(run.stderr.split('\n')).toHaveLength(2);
        for (const flag of ['--port', 'eighty', '--concurrency', '--database-url', '--storage', '--s3-endpoint', '--files-url', '--task-lease', '--queue-maintenance', 'SMARTCOVER_SUBJECTS']) {
          expect(run.stderr).toContain(flag);
        }
      });

      it('says which PostgreSQL it cannot reach, without the password, and exits 1', async () => {
        const server = new ServerProcess(mkdtempSync(join(tmpdir(), 'unused-')));
        const run = await server.cli(['serve', '--database-url', 'postgres://app:s3cret-pw@127.0.0.1:1/covers']);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/cannot use the PostgreSQL database 127\.0\.0\.1:1\/covers: .*ECONNREFUSED/);
        expect(run.stderr + run.stdout).not.toContain('s3cret-pw');
      });

      it('videos import refuses a file that is not a video, and an unknown account', async () => {
        const server = await startServer();
        await server.stop();
        const text = join(server.dataDir, 'notes.mp4');
        (await import('node:fs')).writeFileSync(text, 'hello');
        const bad = await server.cli(['videos', 'import', text]);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^smartcover: .*notes\.mp4: not a readable video/);
        const nobody = await server.cli(['videos', 'import', await makeClip('good.mp4', [L.testsrc(3)]), '--account', 'nobody']);
        expect(nobody.code).toBe(1);
        expect(nobody.stderr).toMatch(/no account named 'nobody'/);
        const disable = await server.cli(['keys', 'disable', 'SCnosuchkey']);
        expect(disable.code).toBe(1);
      });
    });
  });
}
