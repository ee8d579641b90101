/**
 * npm run bench:images [-- --renditions 60 --seconds 5]
 *
 * Renditions (`x-oss-process`) of a real job's 1920×1080 cover, through the signed FileURL:
 * - cold: a 320-px WebP made for each request (each asks for another width, 320, 321, …, so none is
 *   cached), two at a time (the server's default rendition concurrency), next to sharp making the same
 *   renditions from the same PNG in this process, two at a time: the ratio is what the HTTP path, the
 *   signature check, the lookup, the cache write and the process boundary cost;
 * - cached: the same 320-px WebP asked for again and again by wrk (C, 8 connections), served from disk;
 * - memory: a fresh `serve --no-worker` on the same data, then 100 requests at once for 100 different
 *   sizes (200 to 1190 px, WebP): its peak resident memory (VmHWM) before and after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { looks as L, makeClip } from '../test/support/clips.js';
import { popClient, ServerProcess, waitForJob } from '../test/support/service.js';

const { values } = parseArgs({ options: { renditions: { type: 'string', default: '60' }, seconds: { type: 'string', default: '5' }, parallel: { type: 'string', default: '2' } } });
const parallel = Number(values.parallel);
const count = Number(values.renditions);
const seconds = Number(values.seconds);

const root = mkdtempSync(join(process.cwd(), 'bench', '.images-'));
process.env['SMARTCOVER_TEST_DIR'] = root;
const dataDir = join(root, 'data');
const clip = await makeClip('bench-images-1080p.mp4', [L.testsrc(3), L.mandelbrot(3)], { width: 1920, height: 1080 });

let server = await ServerProcess.start({ SMARTCOVER_SUBJECTS: 'off' }, dataDir);
const client = popClient(server);
const imported = await server.cli(['videos', 'import', clip, '--json']);
if (imported.code !== 0) throw new Error(imported.stderr);
const videoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
const { JobId } = (await client.request('SubmitAIImageJob', { VideoId: videoId, AITemplateId: '00000000000000000000000000000001' })) as { JobId: string };
await waitForJob(client, JobId);
const listed = ((await client.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: { FileURL: string }[] }).AIImageInfoList;
const url = listed[0]!.FileURL;
const png = Buffer.from(await (await fetch(url)).arrayBuffer());
const meta = await sharp(png).metadata();
console.log(`cover: ${meta.width}×${meta.height} PNG, ${(png.length / 1e6).toFixed(2)} MB`);

/** Runs `task(i)` for i in 0..n-1, `parallel` at a time; returns per second. */
async function rate(n: number, parallel: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) await task(next++);
  }));
  return n / ((performance.now() - started) / 1000);
}

const process320 = (width: number) => `${url}&x-oss-process=image/resize,w_${width}/format,webp`;
// Warm both paths (the server's first rendition loads libvips' codecs).
await fetch(process320(2000));
await sharp(png).resize({ width: 2000 }).webp().toBuffer();

const bareFile = join(dataDir, 'media', new URL(url).pathname.slice(1));
const bare = await rate(count, parallel, async (i) => {
  await sharp(readFileSync(bareFile)).resize({ width: 320 + i }).webp({ quality: 80 }).toBuffer();
});
const cold = await rate(count, parallel, async (i) => {
  const response = await fetch(process320(320 + count + i));
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  await response.arrayBuffer();
});
console.log(`cold 320-px WebP: smartcover ${cold.toFixed(1)}/s, bare sharp ${bare.toFixed(1)}/s: ${(cold / bare * 100).toFixed(0)} % of bare`);

await fetch(process320(320));
const wrk = execFileSync('wrk', ['-t1', '-c8', `-d${seconds}s`, process320(320)], { encoding: 'utf8' });
const cachedRate = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk)?.[1] ?? 'NaN');
const latency = /Latency\s+(\S+)/.exec(wrk)?.[1];
console.log(`cached 320-px WebP: ${cachedRate.toFixed(0)}/s (wrk, 8 connections, mean latency ${latency}): ${(cachedRate / bare).toFixed(0)}× bare sharp's making it`);

// Memory: a process that has done nothing but start, then 100 different renditions at once.
await server.stop();
server = await ServerProcess.start({ SMARTCOVER_NO_WORKER: 'true' }, dataDir);
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const before = hwm();
const started = performance.now();
const statuses = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
  const response = await fetch(`${server.endpoint}${new URL(url).pathname}${new URL(url).search}&x-oss-process=image/resize,w_${200 + i * 10}/format,webp`);
  await response.arrayBuffer();
  return response.status;
}));
const burst = (performance.now() - started) / 1000;
const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
console.log(`100 different sizes at once: ${JSON.stringify(counts)} in ${burst.toFixed(1)} s; peak RSS ${before.toFixed(0)} MB after start, ${hwm().toFixed(0)} MB after the burst`);
await server.stop();
