import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { looks as L, makeClip, scratchDir } from './support/clips.js';
import { runCli } from './support/cli.js';
import { badInputs, inspect } from './support/media.js';

const board = [L.black(1), L.testsrc(3), L.mandelbrot(3), L.card(1), L.bars(3), L.gradient(3)];
const workdir = () => mkdtempSync(join(scratchDir(), 'cwd-'));
/** Everything `analyze` may have left in a directory: final covers dirs and staging dirs. */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.covers') || n.includes('.partial-'));

describe('smartcover analyze', async () => {
  const video = await makeClip('cli-board.mp4', board, { gop: 25 });

  it('writes the covers and covers.json into ./<video name>.covers/ and prints a table, nothing else', async () => {
    const cwd = workdir();
    const run = await runCli(['analyze', video], { cwd });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const dir = join(cwd, `${video.split('/').pop()!.replace(/\.mp4$/, '')}.covers`);
    const manifest = JSON.parse(readFileSync(join(dir, 'covers.json'), 'utf8')) as { covers: { file: string; format: string; width: number; height: number; score: number }[] };
    expect(manifest.covers.filter((c) => c.format === 'png')).toHaveLength(5);
    expect(manifest.covers.filter((c) => c.format === 'gif')).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual([...manifest.covers.map((c) => c.file), 'covers.json'].sort());
    for (const cover of manifest.covers) {
      expect(run.stdout).toContain(cover.file);
      expect(await inspect(join(dir, cover.file))).toMatchObject({ width: cover.width, height: cover.height });
    }
    expect(leftovers(cwd)).toEqual([dir.split('/').pop()]);
  });

  it('--json prints the manifest on stdout, the same one it writes', async () => {
    const cwd = workdir();
    const run = await runCli(['analyze', video, '--json', '--out', 'here', '--stills', '3', '--gifs', '0'], { cwd });
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toEqual(JSON.parse(readFileSync(join(cwd, 'here', 'covers.json'), 'utf8')));
    expect(printed.video).toMatchObject({ width: 640, height: 360, codec: 'h264' });
    expect(printed.covers.map((c: { format: string }) => c.format)).toEqual(['png', 'png', 'png']);
  });

  it('replaces the covers of an earlier run and leaves other files alone', async () => {
    const cwd = workdir();
    expect((await runCli(['analyze', video, '--out', 'out', '--stills', '5'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'out', 'notes.txt'), 'mine');
    expect((await runCli(['analyze', video, '--out', 'out', '--stills', '2', '--gifs', '0'], { cwd })).code).toBe(0);
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual(['cover-00001.png', 'cover-00002.png', 'covers.json', 'notes.txt']);
    expect(readFileSync(join(cwd, 'out', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('leaves an earlier run untouched when a later one fails', async () => {
    const cwd = workdir();
    expect((await runCli(['analyze', video, '--out', 'out'], { cwd })).code).toBe(0);
    const before = readFileSync(join(cwd, 'out', 'covers.json'), 'utf8');
    const empty = join(cwd, 'empty.mp4');
    writeFileSync(empty, '');
    expect((await runCli(['analyze', empty, '--out', 'out'], { cwd })).code).toBe(1);
    expect(readFileSync(join(cwd, 'out', 'covers.json'), 'utf8')).toBe(before);
    expect(leftovers(cwd)).toEqual([]);
  });

  it('stops on Ctrl-C, exits 130 and leaves nothing behind', async () => {
    const cwd = workdir();
    const run = await runCli(['analyze', video], {
      cwd,
      onStart: (child) => {
        // Interrupt once the run has started writing (its staging directory exists).
        const timer = setInterval(() => {
          if (readdirSync(cwd).some((n) => n.includes('.partial-'))) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^smartcover: .*cancel/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('smartcover analyze on bad input', async () => {
  const files = await badInputs();
  const cases: [string, RegExp][] = [
    ['missing', /no such file/],
    ['zero-byte', /empty/],
    ['truncated', /truncated/],
    ['truncated-faststart', /truncated/],
    ['text', /not a readable video/],
    ['image', /still image/],
    ['audio-only', /audio only/],
    ['unknown-codec', /cannot be decoded/],
    ['garbage-stream', /cannot be decoded/],
  ];
  it.each(cases)('%s: one clear line on stderr, exit 1, no output left', async (name, message) => {
    const cwd = workdir();
    const run = await runCli(['analyze', files[name]!], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^smartcover: /);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toContain(files[name]!.split('/').pop());
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('smartcover analyze used wrongly', async () => {
  const video = await makeClip('good.mp4', [L.testsrc(3)]);
  const usage: [string, string[], RegExp][] = [
    ['no video', ['analyze'], /missing <video>/],
    ['two videos', ['analyze', video, video], /one video at a time/],
    ['a word for --stills', ['analyze', video, '--stills', 'five'], /--stills must be a whole number from 0 to 20 \(got 'five'\)/],
    ['too many stills', ['analyze', video, '--stills', '21'], /--stills must be a whole number from 0 to 20/],
    ['a fraction of a GIF', ['analyze', video, '--gifs', '1.5'], /--gifs must be a whole number from 0 to 5/],
    ['nothing to do', ['analyze', video, '--stills', '0', '--gifs', '0'], /nothing to do/],
    ['an unknown option', ['analyze', video, '--colour', 'red'], /Unknown option '--colour'/],
    ['an unknown command', ['analyse', video], /unknown command 'analyse'/],
  ];
  it.each(usage)('%s: exit 2 and says what is wrong', async (_, args, message) => {
    const cwd = workdir();
    const run = await runCli(args, { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('reports every wrong flag at once', async () => {
    const run = await runCli(['analyze', video, '--stills', 'x', '--gifs', 'y'], { cwd: workdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stills.*--gifs/);
  });

  it('refuses an --out that is a file, and leaves the file alone', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'taken'), 'keep me');
    const run = await runCli(['analyze', video, '--out', 'taken'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out .*taken: exists and is not a directory/);
    expect(readFileSync(join(cwd, 'taken'), 'utf8')).toBe('keep me');
    expect(readdirSync(cwd)).toEqual(['taken']);
  });

  it('names a bad SMARTCOVER_FFMPEG and SMARTCOVER_FFPROBE together', async () => {
    const run = await runCli(['analyze', video], { cwd: workdir(), env: { ...process.env, SMARTCOVER_FFMPEG: '/nope/ffmpeg', SMARTCOVER_FFPROBE: '/nope/ffprobe' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SMARTCOVER_FFMPEG=\/nope\/ffmpeg is not an executable file; SMARTCOVER_FFPROBE=\/nope\/ffprobe/);
  });

  it('--help lists the options and the settings, on stdout, exit 0', async () => {
    const run = await runCli(['analyze', '--help'], { cwd: workdir() });
    expect(run.code).toBe(0);
    for (const word of ['--out', '--stills', '--gifs', '--json', '--no-subjects', 'SMARTCOVER_FFMPEG', 'SMARTCOVER_FFPROBE', 'SMARTCOVER_SUBJECTS']) expect(run.stdout).toContain(word);
  });

  it('ranks with the face and text models by default; --no-subjects and SMARTCOVER_SUBJECTS=off run without them', async () => {
    const on = await runCli(['analyze', video, '--json', '--stills', '2', '--gifs', '0'], { cwd: workdir() });
    expect(on.code, on.stderr).toBe(0);
    const withModels = JSON.parse(on.stdout);
    expect(withModels.analysis.subjectsExamined).toBeGreaterThan(0);
    expect(withModels.covers[0].subscores).toHaveProperty('faces');
    for (const off of [['--no-subjects'], []]) {
      const env = off.length === 0 ? { ...process.env, SMARTCOVER_SUBJECTS: 'OFF' } : process.env;
      const run = await runCli(['analyze', video, '--json', '--stills', '2', '--gifs', '0', ...off], { cwd: workdir(), env });
      expect(run.code, run.stderr).toBe(0);
      const manifest = JSON.parse(run.stdout);
      expect(manifest.analysis.subjectsExamined).toBeUndefined();
      expect(manifest.covers[0].subscores).not.toHaveProperty('faces');
    }
  });

  it('refuses a SMARTCOVER_SUBJECTS that is neither on nor off, before doing anything', async () => {
    const cwd = workdir();
    const run = await runCli(['analyze', video], { cwd, env: { ...process.env, SMARTCOVER_SUBJECTS: 'maybe' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SMARTCOVER_SUBJECTS must be 'on' or 'off' \(got 'maybe'\)/);
    expect(leftovers(cwd)).toEqual([]);
  });

  it('without a command prints the usage on stderr and exits 2', async () => {
    const run = await runCli([], { cwd: workdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: smartcover <command>/);
  });
});
