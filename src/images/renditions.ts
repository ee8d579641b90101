import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import type { BlobStore } from '../covers/ports.js';
import { AppError } from '../errors.js';
import type { Box } from './crop-box.js';
import type { ImageOp } from './image-process.js';
import { checkSourceBytes, CONTENT_TYPES, renderImage } from './render-image.js';
import type { RenditionCache } from './rendition-cache.js';

/** A stored picture a rendition is made from. */
export interface PictureSource {
  /** Its blob key. */
  readonly key: string;
  /** Changes whenever the bytes at the key may have: part of the rendition's identity (covers never change: ''). */
  readonly version: string;
  /** Faces, clearest first, in its pixels. */
  readonly faces: readonly Box[];
}

export interface Rendition {
  readonly body: Readable | Buffer;
  readonly bytes: number;
  readonly contentType: string;
}

export interface RenditionOptions {
  readonly blobs: BlobStore;
  /** None: every request renders (concurrent requests for one rendition still render it once). */
  readonly cache?: RenditionCache | undefined;
  /** Largest source picture decoded, pixels. */
  readonly maxPixels: number;
  /** Renditions made at once: with maxPixels, what bounds the memory rendering can take. */
  readonly concurrency: number;
  /** Requests that may wait for a turn; past this, 503 (the process does not queue without bound). */
  readonly maxWaiting: number;
  /** Told how each request was answered, and how long a rendition took to make. */
  readonly observe?: ((result: RenditionResult, seconds?: number) => void) | undefined;
}

/** How a rendition request was answered: made here, read from the cache, joined to one being made, or failed. */
export type RenditionResult = 'made' | 'cached' | 'joined' | 'failed';

/** Bumped whenever the same request would render different bytes: old cached files are never served. */
const RENDERER_VERSION = 1;

const EXTENSIONS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CONTENT_TYPES).map(([ext, type]) => [type, ext]));

/**
 * Renditions on demand (`x-oss-process`): identified by the source and the parsed chain, cached on disk
 * when a cache is given, made once however many ask at the same moment, and at most `concurrency` at a
 * time (the rest wait, up to `maxWaiting`).
 */
export class Renditions {
  private readonly inFlight = new Map<string, Promise<{ body: Buffer; contentType: string }>>();
  private readonly limit: LimitFunction;

  constructor(private readonly options: RenditionOptions) {
    this.limit = pLimit(options.concurrency);
  }

  /** The rendition's identity: its cache name and, quoted, its ETag. Known without reading anything. */
  id(source: PictureSource, ops: readonly ImageOp[]): string {
    return createHash('sha256').update(JSON.stringify([RENDERER_VERSION, source.key, source.version, ops])).digest('hex');
  }

  async get(source: PictureSource, ops: readonly ImageOp[]): Promise<Rendition> {
    const id = this.id(source, ops);
    const cached = this.options.cache?.get(id);
    // Opened before answering: a file evicted in between is made again rather than failing mid-answer.
    const handle = cached === undefined ? undefined : await open(cached.file).catch(() => undefined);
    if (cached !== undefined && handle !== undefined) {
      this.options.observe?.('cached');
      return { body: handle.createReadStream(), bytes: cached.bytes, contentType: CONTENT_TYPES[cached.ext as keyof typeof CONTENT_TYPES] ?? 'application/octet-stream' };
    }
    let making = this.inFlight.get(id);
    if (making !== undefined) {
      this.options.observe?.('joined');
    } else {
      if (this.limit.pendingCount >= this.options.maxWaiting) {
        this.options.observe?.('failed');
        throw new AppError('unavailable', 'Too many renditions are being made: try again shortly.', { details: { reason: 'busy' } });
      }
      const started = performance.now();
      making = this.limit(() => this.make(id, source, ops)).then(
        (made) => {
          this.options.observe?.('made', (performance.now() - started) / 1000);
          return made;
        },
        (error: unknown) => {
          this.options.observe?.('failed');
          throw error;
        },
      ).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, making);
    }
    const made = await making;
    return { body: made.body, bytes: made.body.length, contentType: made.contentType };
  }

  private async make(id: string, source: PictureSource, ops: readonly ImageOp[]): Promise<{ body: Buffer; contentType: string }> {
    const { stream, size } = await this.options.blobs.open(source.key);
    try {
      checkSourceBytes(size);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    const rendered = await renderImage(await readAll(stream, size), ops, { faces: source.faces, maxPixels: this.options.maxPixels });
    const ext = EXTENSIONS[rendered.contentType];
    // A full or failing disk costs the cache, not the answer.
    if (this.options.cache !== undefined && ext !== undefined) await this.options.cache.put(id, ext, rendered.body).catch(() => undefined);
    return rendered;
  }
}

/** A stream of known size into one buffer, copied once (stream/consumers' buffer() goes through a Blob: twice). */
async function readAll(stream: Readable, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (at + chunk.length > size) throw new AppError('internal', 'the stored picture is larger than its recorded size');
    chunk.copy(out, at);
    at += chunk.length;
  }
  return at === size ? out : out.subarray(0, at);
}
