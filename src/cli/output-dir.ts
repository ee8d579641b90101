import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AppError } from '../errors.js';

/** The files a run of `analyze` owns inside its output directory; anything else there is left alone. */
const OURS = /^(cover-\d{5}\.png|preview-\d{5}\.gif|covers\.json)$/;

/** `<video name>.covers` in the current directory, as the README promises. */
export function defaultOutDir(video: string, cwd: string): string {
  const name = basename(video, extname(video)) || 'video';
  return resolve(cwd, `${name}.covers`);
}

/**
 * All-or-nothing output: the run writes into a fresh sibling directory, and only a finished run is moved
 * into place. A failed or cancelled run removes its directory, so nothing partial is ever left behind.
 */
export class StagedOutput {
  private constructor(
    readonly target: string,
    readonly staging: string,
  ) {}

  static async open(target: string): Promise<StagedOutput> {
    const existing = await stat(target).catch(() => undefined);
    if (existing !== undefined && !existing.isDirectory()) {
      throw new AppError('invalid_argument', `--out ${target}: exists and is not a directory`);
    }
    const parent = dirname(target);
    await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new AppError('invalid_argument', `--out ${target}: cannot create ${parent} (${error.code ?? error.message})`);
    });
    const staging = join(parent, `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
    await mkdir(staging).catch((error: NodeJS.ErrnoException) => {
      throw new AppError('invalid_argument', `--out ${target}: cannot write in ${parent} (${error.code ?? error.message})`);
    });
    return new StagedOutput(target, staging);
  }

  /** Moves the finished files into place, replacing the covers of an earlier run (and only those). */
  async commit(): Promise<void> {
    const existing = await stat(this.target).catch(() => undefined);
    if (existing === undefined) {
      await rename(this.staging, this.target);
      return;
    }
    for (const name of await readdir(this.target)) {
      if (OURS.test(name)) await rm(join(this.target, name), { force: true });
    }
    const fresh = (await readdir(this.staging)).sort((a, b) => Number(a === 'covers.json') - Number(b === 'covers.json'));
    // covers.json goes last: a reader that sees it sees every file it lists.
    for (const name of fresh) await rename(join(this.staging, name), join(this.target, name));
    await rm(this.staging, { recursive: true, force: true });
  }

  async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}
