/**
 * `npm run demo [-- <video> [options]]`: analyzes the given video, or, given none, a 40-second demo clip it
 * renders with ffmpeg first — a black opening, a fade, a white flash, a blurred stretch, a title card and a
 * repeated shot among good ones — so the first run shows what the engine keeps and what it throws away.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { looks as L, storyboardArgs } from '../test/support/clips.js';

const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let args = process.argv.slice(2);
if (args.length === 0) {
  const demo = resolve('demo.mp4');
  if (!existsSync(demo)) {
    process.stderr.write('No video given: rendering a 40-second demo clip to demo.mp4 …\n');
    const shot = L.testsrc(4);
    const board = [L.black(2), shot, L.fadeOut(shot, 1.2), L.white(1), L.mandelbrot(4), L.blurred(L.life(3), 3), L.card(2), L.cells(4), L.bars(4), shot, L.gradient(4), L.life(4), L.black(2)];
    await run('ffmpeg', storyboardArgs(board, demo, { width: 1280, height: 720, gop: 50 }));
  }
  args = [demo];
}
process.exitCode = await run(process.execPath, [cli, 'analyze', ...args]);

function run(command: string, argv: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
}
