import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A cached rendition: its file and size. */
export interface CachedFile {
  readonly file: string;
  readonly ext: string;
  readonly bytes: number;
}

/**
 * Renditions on local disk, bounded in bytes: the least recently used go first when a new one would pass
 * the bound. Files are named by the rendition's hash (`ab/abcdef….webp`), so the index is rebuilt from
 * the directory at start (oldest modification first) and nothing else is kept. Each API process has its
 * own: at scale the CDN in front is the cache that is shared.
 */
export class RenditionCache {
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly index = new Map<string, CachedFile>();
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  /** Reads what an earlier run left, evicting down to the bound (which may have been lowered). */
  async open(): Promise<this> {
    await mkdir(this.dir, { recursive: true });
    const found: { hash: string; entry: CachedFile; mtime: number }[] = [];
    for (const shard of await readdir(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(join(this.dir, shard))) {
        const match = /^([0-9a-f]{64})\.([a-z]{3,4})$/.exec(name);
        const file = join(this.dir, shard, name);
        // A temporary file of a write that never finished.
        if (match === null) {
          await unlink(file).catch(() => undefined);
          continue;
        }
        const info = await stat(file);
        found.push({ hash: match[1]!, entry: { file, ext: match[2]!, bytes: info.size }, mtime: info.mtimeMs });
      }
    }
    for (const { hash, entry } of found.sort((a, b) => a.mtime - b.mtime)) this.add(hash, entry);
    await this.evict();
    return this;
  }

  get(hash: string): CachedFile | undefined {
    const entry = this.index.get(hash);
    if (entry !== undefined) {
      this.index.delete(hash);
      this.index.set(hash, entry);
    }
    return entry;
  }

  /** Keeps a rendition (written whole or not at all); one larger than the whole bound is not kept. */
  async put(hash: string, ext: string, body: Buffer): Promise<void> {
    if (body.length > this.maxBytes || this.index.has(hash)) return;
    const shard = join(this.dir, hash.slice(0, 2));
    await mkdir(shard, { recursive: true });
    const file = join(shard, `${hash}.${ext}`);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, body);
    await rename(temp, file);
    this.add(hash, { file, ext, bytes: body.length });
    await this.evict();
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.total;
  }

  private add(hash: string, entry: CachedFile): void {
    this.index.set(hash, entry);
    this.total += entry.bytes;
  }

  private async evict(): Promise<void> {
    for (const [hash, entry] of this.index) {
      if (this.total <= this.maxBytes) break;
      this.index.delete(hash);
      this.total -= entry.bytes;
      // A reader that has the file open keeps reading it (POSIX): removing it under one is safe.
      await unlink(entry.file).catch(() => undefined);
    }
  }
}
