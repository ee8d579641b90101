import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, freshPostgres, postgres } from './support/backend.js';
import { startCallbackReceiver } from './support/callback-receiver.js';
import { looks as L, makeClip } from './support/clips.js';
import { signedQuery } from './support/raw-rpc.js';
import { S3_ENV, startS3 } from './support/s3.js';
import { popClient, rejection, ServerProcess, waitForJob, WorkerProcess, type Credentials } from './support/service.js';

const PNG_TEMPLATE = '00000000000000000000000000000001';

/**
 * The scaled-out deployment for real: API processes (serve --no-worker) and worker processes sharing one
 * PostgreSQL (metadata, nonces, rate limits, pg-boss) and one S3-compatible store.
 */
describe.runIf(backendsUnderTest().includes(postgres))('scale-out: PostgreSQL, pg-boss workers and S3', () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(() => s3?.close());

  const sharedEnv = async (extra: Record<string, string> = {}) => ({
    ...S3_ENV,
    SMARTCOVER_DATABASE_URL: await freshPostgres(),
    SMARTCOVER_STORAGE: `s3://${s3.bucket}/${Math.random().toString(36).slice(2)}/media`,
    SMARTCOVER_S3_ENDPOINT: s3.endpoint,
    SMARTCOVER_TASK_LEASE: '15',
    SMARTCOVER_QUEUE_MAINTENANCE: '1',
    ...extra,
  });

  it('two APIs and three workers run 50 jobs exactly once each while a worker is killed, with no file orphaned', async () => {
    const receiver = await startCallbackReceiver('/events');
    const env = await sharedEnv({
      SMARTCOVER_NO_WORKER: 'true', SMARTCOVER_ALLOW_PRIVATE_URLS: 'true',
      SMARTCOVER_CALLBACK_URL: receiver.url,
      // What is tested is the queue, not the pictures: without the face and text models (tested on their
      // own) the 50 jobs take a fraction of the time, where with them this test ran 243–280 s of its 300.
      SMARTCOVER_SUBJECTS: 'off',
    });
    const apis = [await ServerProcess.start(env), await ServerProcess.start(env)];
    const workers = await Promise.all([0, 1, 2].map(() => WorkerProcess.start(env)));
    try {
      const credentials = apis[0]!.credentials();
      const clients = apis.map((api) => popClient(api, credentials));
      const clip = await makeClip('scale.mp4', [L.testsrc(2), L.mandelbrot(2)], { width: 320, height: 240, gop: 25 });
      const videos: string[] = [];
      for (let i = 0; i < 50; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => apis[0]!.cli(['videos', 'import', clip, '--json'])));
        for (const run of batch) {
          expect(run.code, run.stderr).toBe(0);
          videos.push((JSON.parse(run.stdout) as { VideoId: string }).VideoId);
        }
      }
      // Submitted through both APIs.
      const jobs = await Promise.all(videos.map(async (VideoId, i) =>
        ((await clients[i % 2]!.request('SubmitAIImageJob', { VideoId, AITemplateId: PNG_TEMPLATE })) as { JobId: string }).JobId));

      // Once work is under way, one worker dies without a word.
      const status = async () => {
        const list: Record<string, string>[] = [];
        for (let i = 0; i < jobs.length; i += 10) {
          list.push(...((await clients[0]!.request('GetAIImageJobs', { JobIds: jobs.slice(i, i + 10).join(',') })) as { AIImageJobList: Record<string, string>[] }).AIImageJobList);
        }
        return list;
      };
      for (let i = 0; (await status()).filter((j) => j['Status'] === 'success').length < 3; i++) {
        if (i > 600) throw new Error('no job finished');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await workers[0]!.stop('SIGKILL')).toBeNull();

      const deadline = Date.now() + 300_000;
      let finished: Record<string, string>[] = [];
      while ((finished = await status()).some((j) => j['Status'] !== 'success' && j['Status'] !== 'fail')) {
        if (Date.now() > deadline) throw new Error(`unfinished: ${finished.filter((j) => j['Status'] !== 'success').length}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(finished.map((j) => j['Status'])).toEqual(jobs.map(() => 'success'));

      // Every video: exactly one set of covers, version 1, each served (from S3) through either API.
      const listed = new Set<string>();
      for (const [i, VideoId] of videos.entries()) {
        const { AIImageInfoList } = (await clients[i % 2]!.request('ListAIImageInfo', { VideoId })) as { AIImageInfoList: Record<string, string>[] };
        const job = finished.find((j) => j['VideoId'] === VideoId)!;
        expect(AIImageInfoList.length).toBeGreaterThan(0);
        expect(AIImageInfoList).toHaveLength((JSON.parse(job['AIImageResult']!) as unknown[]).length);
        expect(new Set(AIImageInfoList.map((c) => c['Version']))).toEqual(new Set(['1']));
        for (const c of AIImageInfoList) listed.add(new URL(c['FileURL']!).pathname.slice(1));
      }
      const first = (await clients[1]!.request('ListAIImageInfo', { VideoId: videos[0] })) as { AIImageInfoList: Record<string, string>[] };
      const download = await fetch(first.AIImageInfoList[0]!['FileURL']!);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await download.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');

      // Exactly once, as the application sees it: one success event per job.
      await new Promise((r) => setTimeout(r, 2_000));
      const successes = receiver.received.map((e) => e.body).filter((e) => e['Status'] === 'success').map((e) => e['JobId']).sort();
      expect(successes).toEqual([...jobs].sort());

      // No orphans: the bucket holds the sources and exactly the listed covers, nothing else.
      const prefix = env.SMARTCOVER_STORAGE.replace(`s3://${s3.bucket}/`, '');
      const objects = s3.objects(prefix);
      const covers = objects.filter((key) => key.includes('/image/'));
      expect(objects.length - covers.length).toBe(50);
      expect(covers.sort()).toEqual([...listed].sort());
    } finally {
      await Promise.all([...apis.map((a) => a.stop()), ...workers.map((w) => w.stop())]);
      receiver.close();
    }
  }, 600_000);

  it('points FileURLs at a CDN in front of the bucket, signed for the path the CDN sees', async () => {
    const env = await sharedEnv({ SMARTCOVER_FILES_URL: 'https://cdn.example.com/covers/' });
    const server = await ServerProcess.start(env);
    try {
      const client = popClient(server);
      const video = (JSON.parse((await server.cli(['videos', 'import', await makeClip('cdn.mp4', [L.testsrc(2)]), '--json'])).stdout) as { VideoId: string }).VideoId;
      const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
      expect((await waitForJob(client, JobId, 60_000))['Status']).toBe('success');
      const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: video })) as { AIImageInfoList: Record<string, string>[] };
      const key = await postgres.urlAuthKey(server.dataDir, env);
      const prefix = env.SMARTCOVER_STORAGE.replace(`s3://${s3.bucket}/`, '');
      for (const cover of AIImageInfoList) {
        const url = new URL(cover['FileURL']!);
        expect(url.origin).toBe('https://cdn.example.com');
        expect(url.pathname).toMatch(new RegExp(`^/covers/${video}/image/ai/${JobId}-\\d{5}\\.png$`));
        // Type A as a CDN checks it: md5 of "<path>-<ts>-<rand>-<uid>-<key>".
        const [ts, rand, uid, hash] = url.searchParams.get('auth_key')!.split('-');
        expect(createHash('md5').update(`${url.pathname}-${ts}-${rand}-${uid}-${key}`).digest('hex')).toBe(hash);
        // Behind /covers the CDN finds the object the storage prefix holds.
        expect(s3.objects(prefix)).toContain(url.pathname.slice('/covers/'.length));
      }

      // A storyboard's track is served here (the CDN would hand out the stored track, whose sheets carry
      // no signature), and its cues send the player to the CDN, signed.
      const sprites = JSON.stringify({ CellWidth: '64', CellHeight: '36', Columns: '2', Lines: '2' });
      const { SnapshotJob } = (await client.request('SubmitSnapshotJob', { VideoId: video, Count: 2, Interval: 1, SpriteSnapshotConfig: sprites })) as { SnapshotJob: { JobId: string } };
      let track: { Snapshots: { Snapshot: { Url: string }[] } } | undefined;
      for (let i = 0; track === undefined || track.Snapshots.Snapshot.length === 0; i++) {
        expect(i).toBeLessThan(600);
        await new Promise((r) => setTimeout(r, 100));
        track = ((await client.request('ListSnapshots', { VideoId: video, SnapshotType: 'WebVttSnapshot' })) as { MediaSnapshot: typeof track }).MediaSnapshot;
      }
      const trackUrl = new URL(track.Snapshots.Snapshot[0]!.Url);
      expect(trackUrl.origin).toBe(server.endpoint);
      const vtt = await (await fetch(trackUrl)).text();
      const cues = [...vtt.matchAll(/^(\S+)#xywh=\d+,\d+,\d+,\d+$/gm)].map((m) => new URL(m[1]!));
      expect(cues.length).toBeGreaterThan(0);
      for (const cue of cues) {
        expect(cue.origin).toBe('https://cdn.example.com');
        expect(cue.pathname).toMatch(new RegExp(`^/covers/${video}/snapshots/${SnapshotJob.JobId}/sprite-\\d{5}\\.jpg$`));
        const [ts, rand, uid, hash] = cue.searchParams.get('auth_key')!.split('-');
        expect(createHash('md5').update(`${cue.pathname}-${ts}-${rand}-${uid}-${key}`).digest('hex')).toBe(hash);
        expect(s3.objects(prefix)).toContain(cue.pathname.slice('/covers/'.length));
      }
    } finally {
      await server.stop();
    }
  });

  it('a worker that loses the database keeps trying, and takes work again once it is back', async () => {
    const env = { ...(await postgres.serverEnv()), SMARTCOVER_NO_WORKER: 'true' };
    const api = await ServerProcess.start(env);
    const worker = await WorkerProcess.start(env, api.dataDir);
    try {
      const client = popClient(api);
      const video = (JSON.parse((await api.cli(['videos', 'import', await makeClip('outage.mp4', [L.testsrc(2)]), '--json'])).stdout) as { VideoId: string }).VideoId;
      await postgres.unreachable(api.dataDir, env, () => new Promise((r) => setTimeout(r, 4_000)));
      expect(worker.child.exitCode).toBeNull();
      const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: video, AITemplateId: PNG_TEMPLATE })) as { JobId: string };
      expect((await waitForJob(client, JobId, 60_000))['Status']).toBe('success');
    } finally {
      await Promise.all([api.stop(), worker.stop()]);
    }
  }, 180_000);

  it('refuses a nonce replayed to another API process, and spends one rate budget across them', async () => {
    const env = await sharedEnv({ SMARTCOVER_NO_WORKER: 'true', SMARTCOVER_RATE_LIMIT: '1', SMARTCOVER_RATE_BURST: '3' });
    const apis = [await ServerProcess.start(env), await ServerProcess.start(env)];
    try {
      const credentials: Credentials = apis[0]!.credentials();
      const query = signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage' });
      expect((await fetch(`${apis[0]!.endpoint}/?${query}`)).status).toBe(200);
      const replay = await fetch(`${apis[1]!.endpoint}/?${query}`);
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { Code: string }).Code).toBe('SignatureNonceUsed');
      // A burst of 3 for the key, wherever it calls: six quick calls alternating between the APIs. Buckets
      // in each process's memory would let all six through.
      const started = Date.now();
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const call = popClient(apis[i % 2]!, credentials).request('ListAITemplate', { TemplateType: 'AIImage' });
        outcomes.push(await call.then(() => 'ok', async () => (await rejection(call)).code));
      }
      const elapsedSeconds = (Date.now() - started) / 1000;
      const accepted = outcomes.filter((o) => o === 'ok').length;
      expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'Throttling.User'), outcomes.join()).toBe(true);
      // The first call spent one token; one more comes back each second.
      expect(accepted, outcomes.join()).toBeLessThanOrEqual(2 + Math.ceil(elapsedSeconds));
      expect(accepted, outcomes.join()).toBeLessThan(6);
    } finally {
      await Promise.all(apis.map((a) => a.stop()));
    }
  });
});

