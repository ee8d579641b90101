import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver } from './support/callback-receiver.js';
import { looks as L, makeClip } from './support/clips.js';
import { metric, scrape, type Sample } from './support/metrics.js';
import { createUploadVideo, ossClient, ossRejection } from './support/oss.js';
import { rawGet, signedQuery } from './support/raw-rpc.js';
import { popClient, rejection, ServerProcess, waitForJob, WorkerProcess, type PopClient } from './support/service.js';

/**
 * The operations listener of a real `serve --no-worker` and a real `smartcover worker` sharing one data
 * directory: the API's counters move by exactly the calls made, the queue shows a job waiting until the
 * worker starts, and the worker's counters show the job, its engine stages and its callback.
 */
let api: ServerProcess;
let worker: WorkerProcess | undefined;
let client: PopClient;
let hooks: Awaited<ReturnType<typeof startCallbackReceiver>>;
let env: Record<string, string>;

beforeAll(async () => {
  hooks = await startCallbackReceiver();
  env = { SMARTCOVER_OPS_PORT: '0', SMARTCOVER_CALLBACK_URL: hooks.url, SMARTCOVER_ALLOW_PRIVATE_URLS: 'true' };
  api = await ServerProcess.start({ ...env, SMARTCOVER_NO_WORKER: 'true' });
  client = popClient(api);
});
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  hooks?.close();
});

const delta = (before: readonly Sample[], after: readonly Sample[], name: string, labels: Record<string, string> = {}) => metric(after, name, labels) - metric(before, name, labels);

describe('metrics and health on the operations port', () => {
  it('counts API calls by Action and code, refusals by reason, and the waiting queue; then the worker counts the job, its stages and its callback', async () => {
    expect(api.ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const clip = await makeClip('metrics.mp4', [L.testsrc(3), L.bars(3)]);
    const imported = await api.cli(['videos', 'import', clip, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const videoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
    const before = await scrape(api.ops!);

    const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: videoId, AITemplateId: '00000000000000000000000000000001' })) as { JobId: string };
    for (let i = 0; i < 3; i++) await client.request('ListAIImageInfo', { VideoId: videoId });
    const replayed = signedQuery(api.credentials(), { Action: 'GetVideoList' });
    expect((await rawGet(api.endpoint, replayed)).status).toBe(200);
    expect(JSON.parse((await rawGet(api.endpoint, replayed)).body)).toMatchObject({ Code: 'SignatureNonceUsed' });
    expect((await rejection(client.request('NoSuchAction', {}))).code).toBe('InvalidAction.NotFound');
    expect((await rejection(popClient(api, { ...api.credentials(), AccessKeySecret: 'wrong' }).request('GetVideoList', {}))).code).toBe('SignatureDoesNotMatch');
    const tooLarge = await fetch(`${api.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(100_000, 'x') });
    expect(tooLarge.status).toBe(413);

    // No worker yet: the job waits, and the gauge says for how long.
    await new Promise((r) => setTimeout(r, 1_200));
    const waiting = await scrape(api.ops!);
    expect(delta(before, waiting, 'smartcover_api_requests_total', { action: 'SubmitAIImageJob', code: 'OK' })).toBe(1);
    expect(delta(before, waiting, 'smartcover_api_requests_total', { action: 'ListAIImageInfo', code: 'OK' })).toBe(3);
    expect(delta(before, waiting, 'smartcover_api_request_duration_seconds_count', { action: 'ListAIImageInfo' })).toBe(3);
    expect(delta(before, waiting, 'smartcover_api_requests_total', { action: 'GetVideoList', code: 'SignatureNonceUsed' })).toBe(1);
    expect(delta(before, waiting, 'smartcover_api_refusals_total', { reason: 'nonce_reused' })).toBe(1);
    expect(delta(before, waiting, 'smartcover_api_refusals_total', { reason: 'signature' })).toBe(1);
    expect(delta(before, waiting, 'smartcover_api_requests_total', { action: 'unknown', code: 'InvalidAction.NotFound' })).toBe(1);
    expect(delta(before, waiting, 'smartcover_api_requests_total', { action: 'unknown', code: 'RequestBodyTooLarge' })).toBe(1);
    // The RPC API is counted by Action, not again by HTTP status.
    expect(metric(waiting, 'smartcover_http_requests_total', { surface: 'rpc' })).toBe(0);
    expect(metric(waiting, 'smartcover_queue_tasks', { state: 'waiting' })).toBe(1);
    expect(metric(waiting, 'smartcover_queue_oldest_waiting_seconds')).toBeGreaterThanOrEqual(1);
    expect(metric(waiting, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metric(waiting, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    worker = await WorkerProcess.start(env, api.dataDir);
    expect(worker.ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await waitForJob(client, JobId))['Status']).toBe('success');
    const deadline = Date.now() + 15_000;
    while (hooks.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const done = await scrape(worker.ops!);
    expect(metric(done, 'smartcover_tasks_total', { kind: 'cover.generate', outcome: 'done' })).toBe(1);
    expect(metric(done, 'smartcover_task_duration_seconds_sum', { kind: 'cover.generate' })).toBeGreaterThan(0);
    // Each run of the job counts each stage it reached once: exactly once when the job ran once. On a loaded
    // machine a run can fail and be retried (seen once in ~6 runs of a parallel test subset: probe counted
    // twice); then a stage counts once or twice, and the worker's log says why the first run failed.
    const runs = metric(done, 'smartcover_tasks_total', { kind: 'cover.generate' });
    const log = `the worker said: ${worker.output.slice(-3000)}`;
    expect(runs, log).toBeLessThanOrEqual(2);
    for (const stage of ['probe', 'scan', 'refine', 'subjects', 'render']) {
      const count = metric(done, 'smartcover_engine_stage_duration_seconds_count', { stage });
      expect(count, `${stage}; ${log}`).toBeGreaterThanOrEqual(1);
      expect(count, `${stage}; ${log}`).toBeLessThanOrEqual(runs);
      expect(metric(done, 'smartcover_engine_stage_duration_seconds_sum', { stage }), stage).toBeGreaterThan(0);
    }
    // The stages are parts of the job: together no longer than it.
    const stages = metric(done, 'smartcover_engine_stage_duration_seconds_sum');
    expect(stages).toBeLessThanOrEqual(metric(done, 'smartcover_task_duration_seconds_sum', { kind: 'cover.generate' }));
    expect(metric(done, 'smartcover_callbacks_total', { event: 'AIImageComplete', outcome: 'delivered' })).toBe(1);
    const after = await scrape(api.ops!);
    expect(metric(after, 'smartcover_queue_tasks', { state: 'waiting' })).toBe(0);
    expect(metric(after, 'smartcover_queue_oldest_waiting_seconds')).toBe(0);

    // Low cardinality: no video, job or key id in any label.
    for (const s of [...after, ...done]) {
      for (const value of Object.values(s.labels)) expect([videoId, JobId, api.credentials().AccessKeyId]).not.toContain(value);
    }

    // A cover file: the oss surface.
    const { AIImageInfoList } = (await client.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: { FileURL: string }[] };
    const file = await fetch(AIImageInfoList[0]!.FileURL);
    expect(file.status).toBe(200);
    await file.arrayBuffer();
    expect(delta(after, await scrape(api.ops!), 'smartcover_http_requests_total', { surface: 'oss', status: '200' })).toBe(1);
  });

  it('counts uploaded bytes and refused uploads by OSS code', async () => {
    const clip = await makeClip('metrics-upload.mp4', [L.testsrc(2)]);
    const before = await scrape(api.ops!);
    const upload = await createUploadVideo(client, { Title: 'metrics', FileName: 'metrics-upload.mp4' });
    const wrong = ossClient(upload.address, { ...upload.auth, AccessKeySecret: 'not-the-secret' });
    expect((await ossRejection(wrong.put(upload.address.FileName, clip))).code).toBe('SignatureDoesNotMatch');
    await ossClient(upload.address, upload.auth).put(upload.address.FileName, clip);
    const after = await scrape(api.ops!);
    expect(delta(before, after, 'smartcover_upload_bytes_total')).toBe(statSync(clip).size);
    expect(delta(before, after, 'smartcover_upload_failures_total', { code: 'SignatureDoesNotMatch' })).toBe(1);
    expect(metric(after, 'smartcover_uploads_active')).toBe(0);
  });

  it('serves health on the worker too, and only GET of its three paths', async () => {
    const ops = worker?.ops ?? (await WorkerProcess.start(env, api.dataDir).then((w) => ((worker = w), w.ops!)));
    expect(await (await fetch(`${ops}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${ops}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ database: 'ok', queue: 'ok', storage: 'ok', ffmpeg: 'ok' });
    const post = await fetch(`${ops}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${ops}/`)).status).toBe(404);
    // The metrics are not on the public API port.
    expect((await fetch(`${api.endpoint}/metrics`)).status).toBe(404);
  });
});
