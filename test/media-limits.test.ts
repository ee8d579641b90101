import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { looks as L, makeClip, scratchDir, tool } from './support/clips.js';
import { inspect } from './support/media.js';

const workdir = () => {
  const dir = join(scratchDir(), `limits-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  return dir;
};

/** `smartcover analyze` with settings; the refusal is one line naming the limit, and nothing is written. */
async function refused(file: string, env: Record<string, string>): Promise<string> {
  const cwd = workdir();
  const run = await runCli(['analyze', file, '--no-subjects'], { cwd, env: { ...process.env, ...env } });
  expect(run.code, run.stderr).toBe(1);
  expect(readdirSync(cwd)).toEqual([]);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('untrusted media, bounded', () => {
  let clip: string;
  beforeAll(async () => {
    clip = await makeClip('limits.mp4', [L.testsrc(2), L.bars(2)], { width: 320, height: 240 });
  });

  it('refuses a file past each limit with a message naming the limit and its setting', async () => {
    expect(await refused(clip, { SMARTCOVER_MAX_FILE_BYTES: '1000' })).toMatch(/larger than the limit of 1000 bytes \(SMARTCOVER_MAX_FILE_BYTES\)/);
    expect(await refused(clip, { SMARTCOVER_MAX_DURATION: '3' })).toMatch(/4 s long, longer than the limit of 3 s \(SMARTCOVER_MAX_DURATION\)/);
    expect(await refused(clip, { SMARTCOVER_MAX_PIXELS: '10000' })).toMatch(/320×240 \(76800 pixels\), larger than the limit of 10000 pixels \(SMARTCOVER_MAX_PIXELS\)/);
  });

  it('scales covers down to SMARTCOVER_MAX_COVER_SIDE', async () => {
    const cwd = workdir();
    const run = await runCli(['analyze', clip, '--no-subjects', '--json'], { cwd, env: { ...process.env, SMARTCOVER_MAX_COVER_SIDE: '160' } });
    expect(run.code, run.stderr).toBe(0);
    const out = readdirSync(cwd).map((d) => join(cwd, d)).find((d) => readdirSync(d).includes('covers.json'))!;
    const manifest = JSON.parse(readFileSync(join(out, 'covers.json'), 'utf8')) as { covers: { file: string; format: string; width: number; height: number }[] };
    const stills = manifest.covers.filter((c) => c.format === 'png');
    expect(stills.length).toBeGreaterThan(0);
    for (const still of stills) {
      expect(still).toMatchObject({ width: 160, height: 120 });
      expect(await inspect(join(out, still.file))).toMatchObject({ width: 160, height: 120 });
    }
  });

  it('opens no second file named inside a crafted playlist or concat file', async () => {
    const dir = workdir();
    // Both name a real video beside them: ffmpeg's own hls and concat demuxers would read it and succeed.
    const secret = join(dir, 'secret.mp4');
    writeFileSync(secret, readFileSync(clip));
    const playlist = join(dir, 'playlist.mp4');
    writeFileSync(playlist, '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nsecret.mp4\n#EXT-X-ENDLIST\n');
    const concat = join(dir, 'list.mp4');
    writeFileSync(concat, 'ffconcat version 1.0\nfile secret.mp4\n');
    expect(await tool('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', playlist]).then(String)).toMatch(/hls/);
    expect(await refused(playlist, {})).toMatch(/playlist or list of other files \(hls\)/);
    expect(await refused(concat, {})).toMatch(/playlist or list of other files \(concat\)/);
  });

  it('stops an ffmpeg past its memory limit with a message that says so', async () => {
    const big = join(scratchDir(), 'limits-4096.mp4');
    await tool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=4096x4096:rate=25', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', big]);
    const line = await refused(big, { SMARTCOVER_FFMPEG_MEMORY: '64' });
    expect(line).toMatch(/memory/);
    expect(line).toMatch(/SMARTCOVER_FFMPEG_MEMORY/);
  });

  it('refuses malformed limit settings at start, all at once (exit 2)', async () => {
    const run = await runCli(['analyze', clip], { cwd: workdir(), env: { ...process.env, SMARTCOVER_MAX_PIXELS: 'lots', SMARTCOVER_MAX_DURATION: '-1', SMARTCOVER_FFMPEG_MEMORY: '8' } });
    expect(run.code).toBe(2);
    for (const name of ['SMARTCOVER_MAX_PIXELS', 'SMARTCOVER_MAX_DURATION', 'SMARTCOVER_FFMPEG_MEMORY']) expect(run.stderr).toContain(name);
  });
});
