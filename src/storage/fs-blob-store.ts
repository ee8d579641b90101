import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../covers/ports.js';
import { AppError } from '../errors.js';
import { blobKeySegments } from './blob-key.js';

/**
 * Files on local disk under one root. Every key is checked twice: its shape, and that the resolved path
 * stays inside the root, so no key built from user input can reach another file.
 */
export class FsBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file a key names; throws unless the key is well formed and inside the root. */
  pathOf(key: string): string {
    const path = resolve(this.root, ...blobKeySegments(key));
    if (!path.startsWith(this.root + sep)) throw new AppError('invalid_argument', `file key outside the store: ${JSON.stringify(key)}`);
    return path;
  }

  async put(key: string, localFile: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    // Copy beside the target, then rename: a reader never sees half a file.
    const partial = `${target}.partial-${process.pid}-${Date.now()}`;
    try {
      await copyFile(localFile, partial);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async withLocalFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T> {
    const path = this.pathOf(key);
    await this.size(path);
    return use(path);
  }

  async open(key: string): Promise<{ stream: Readable; size: number }> {
    const path = this.pathOf(key);
    const size = await this.size(path);
    return { stream: createReadStream(path), size };
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  private async size(path: string): Promise<number> {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw new AppError('not_found', 'no such file');
    return info.size;
  }
}
