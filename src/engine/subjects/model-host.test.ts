import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tool } from '../../../test/support/clips.js';
import { fontFile } from '../../../test/support/photos.js';
import { footage } from '../../../test/support/truth.js';
import { isAppError } from '../../errors.js';
import { locateModels } from './model-files.js';
import { ModelHost } from './model-host.js';
import type { RgbImage } from './port.js';

const W = 640, H = 360;
const human = join(locateModels().humanModels, '..', 'assets');

/** A picture as the engine shows it to the models: fitted into 640 × 360, rgb24. */
async function picture(input: string[], filter = ''): Promise<RgbImage> {
  const vf = `${filter}${filter === '' ? '' : ','}scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=0x606468`;
  const data = await tool('ffmpeg', ['-v', 'error', ...input, '-frames:v', '1', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return { width: W, height: H, data: new Uint8Array(data) };
}

/** Model processes this test process has running now. */
function modelProcesses(): number {
  return modelPids().length;
}

function modelPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('model-process')) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('the subject models, for real (human on tfjs-wasm, PP-OCR on onnxruntime)', () => {
  const host = new ModelHost(locateModels(), { lingerMs: 0 });
  afterAll(() => host.close());
  const portrait = () => picture(['-i', join(human, 'screenshot-facedetect.jpg')], 'crop=150:150:164:345');
  const building = () => {
    const file = footage('building.jpg');
    return file === undefined ? undefined : picture(['-i', file]);
  };
  const slide = () => picture(['-f', 'lavfi', '-i', `color=c=0x1d3557:s=${W}x${H},drawtext=fontfile=${fontFile()}:text='Quarterly results':fontsize=44:fontcolor=white:x=40:y=60,drawtext=fontfile=${fontFile()}:text='Revenue up and costs down':fontsize=30:fontcolor=white:x=40:y=160`]);

  it('finds the face in a portrait and none in a building, with the mesh saying the eyes are open', async () => {
    const photo = await building();
    if (photo === undefined) return;
    const images = [await portrait(), photo];
    expect(modelProcesses()).toBe(0); // nothing is loaded before it is needed
    const release = host.hold('faces');
    const [inPortrait, inBuilding] = await host.faces.detect(images);
    const [close] = await host.faces.landmarks([images[0]!]);
    expect(modelProcesses()).toBe(1); // held: one process across both calls
    release();
    expect(inPortrait).toHaveLength(1);
    expect(inPortrait![0]!.confidence).toBeGreaterThan(0.6);
    expect(inPortrait![0]!.box.height).toBeGreaterThan(H / 2);
    expect(inBuilding).toEqual([]);
    expect(close).toHaveLength(1);
    const face = close![0]!;
    expect(face.meshConfidence).toBeGreaterThan(0.9);
    expect(Math.min(face.eyes.left, face.eyes.right)).toBeGreaterThan(0.15);
    expect(Math.abs(face.yaw)).toBeLessThan(30);
    await expect.poll(modelProcesses).toBe(0); // linger 0: its memory goes back once released
  });

  it('finds the lines of a slide as text, and no text in a portrait', async () => {
    const [onSlide, onPortrait] = await host.text.detect([await slide(), await portrait()], 320);
    expect(onSlide!.length).toBeGreaterThanOrEqual(2);
    const covered = onSlide!.reduce((sum, t) => sum + t.box.width * t.box.height, 0) / (W * H);
    expect(covered).toBeGreaterThan(0.05);
    expect(onSlide!.some((t) => t.box.y < 120) && onSlide!.some((t) => t.box.y > 140)).toBe(true);
    expect(onPortrait).toEqual([]);
  });

  it('answers a malformed request with an error and keeps serving', async () => {
    const broken: RgbImage = { width: W, height: H, data: new Uint8Array(10) };
    const release = host.hold('text');
    try {
      await expect(host.text.detect([broken], 320)).rejects.toSatisfy((e) => isAppError(e, 'internal') && /text model failed/.test((e as Error).message));
      const [again] = await host.text.detect([await slide()], 320);
      expect(again!.length).toBeGreaterThan(0);
    } finally {
      release();
    }
  });

  it('fails the calls of a model process that dies with a clear error, and starts a new one on the next call', async () => {
    const release = host.hold('text');
    try {
      const images = Array.from({ length: 40 }, () => ({ width: W, height: H, data: new Uint8Array(W * H * 3) }));
      const call = host.text.detect(images, 640);
      await expect.poll(modelProcesses).toBe(1);
      setTimeout(() => { for (const pid of modelPids()) process.kill(pid, 'SIGKILL'); }, 500);
      await expect(call).rejects.toSatisfy((e) => isAppError(e, 'internal') && /text model process exited \(SIGKILL\)/.test((e as Error).message));
      const [again] = await host.text.detect([await slide()], 320);
      expect(again!.length).toBeGreaterThan(0);
    } finally {
      release();
    }
  });

  it('stops a model process when the caller gives up', async () => {
    const controller = new AbortController();
    const images = Array.from({ length: 30 }, () => ({ width: W, height: H, data: new Uint8Array(W * H * 3) }));
    const call = host.faces.detect(images, controller.signal);
    setTimeout(() => controller.abort(), 300);
    await expect(call).rejects.toSatisfy((e) => isAppError(e, 'aborted'));
    await expect.poll(modelProcesses).toBe(0);
  });
});

describe('locateModels', () => {
  it('is a clear start-up error when the model packages are missing, naming the way out', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'smartcover-nomodels-'));
    writeFileSync(join(elsewhere, 'package.json'), '{}');
    expect(() => locateModels(join(elsewhere, 'package.json'))).toThrow(/models are missing or unreadable.*--no-subjects.*@vladmandic\/human/);
  });

  it('finds every model inside the installed npm packages', () => {
    const files = locateModels();
    for (const path of Object.values(files)) expect(path).toContain('node_modules');
  });
});
