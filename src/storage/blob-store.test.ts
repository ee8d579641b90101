import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3 } from '../../test/support/s3.js';
import type { BlobStore } from '../covers/ports.js';
import { AppError, toAppError } from '../errors.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

const scratch = mkdtempSync(join(tmpdir(), 'blobs-'));
const file = (content: string | Buffer) => {
  const path = join(scratch, randomBytes(6).toString('hex'));
  writeFileSync(path, content);
  return path;
};
const kindOf = async (call: Promise<unknown>) => call.then(() => 'resolved', (e: unknown) => toAppError(e).kind);

let s3: Awaited<ReturnType<typeof startS3>>;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(() => s3.close());

const stores: [string, () => BlobStore][] = [
  ['the filesystem', () => new FsBlobStore(mkdtempSync(join(tmpdir(), 'media-')))],
  ['S3 (s3rver on loopback)', () => new S3BlobStore({ bucket: s3.bucket, prefix: `run-${randomBytes(4).toString('hex')}/media`, endpoint: s3.endpoint })],
];

describe.each(stores)('BlobStore on %s', (_name, make) => {
  it('stores a file and gives the same bytes back, as a stream with its size and as a local file', async () => {
    const store = make();
    await store.put('v1/image/ai/a.png', file('png bytes'), 'image/png');
    const { stream, size } = await store.open('v1/image/ai/a.png');
    expect(size).toBe(9);
    expect(await text(stream)).toBe('png bytes');
    expect(await store.withLocalFile('v1/image/ai/a.png', (path) => readFile(path, 'utf8'))).toBe('png bytes');
  });

  it('replaces what was under a key, and carries a multipart-sized file whole', async () => {
    const store = make();
    await store.put('v1/source.mp4', file('old'), 'video/mp4');
    const big = randomBytes(6 * 1024 * 1024 + 123);
    await store.put('v1/source.mp4', file(big), 'video/mp4');
    const copy = await store.withLocalFile('v1/source.mp4', async (path) => readFileSync(path));
    expect(copy.equals(big)).toBe(true);
  });

  it('says not_found for a key that holds nothing, and forgets deleted keys (deleting twice is fine)', async () => {
    const store = make();
    expect(await kindOf(store.open('v1/none.png'))).toBe('not_found');
    expect(await kindOf(store.withLocalFile('v1/none.png', async () => 1))).toBe('not_found');
    await store.put('v1/image/ai/b.gif', file('gif'), 'image/gif');
    await store.delete(['v1/image/ai/b.gif', 'v1/image/ai/never.gif']);
    await store.delete(['v1/image/ai/b.gif']);
    expect(await kindOf(store.open('v1/image/ai/b.gif'))).toBe('not_found');
  });

  it('refuses keys that could name anything outside the store', async () => {
    const store = make();
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '..', 'a/./b', 'a\\b', '', 'a/b%2F..']) {
      await expect(store.open(key), key).rejects.toBeInstanceOf(AppError);
      expect(await kindOf(store.put(key, file('x'), 'image/png')), key).toBe('invalid_argument');
      expect(await kindOf(store.delete([key])), key).toBe('invalid_argument');
    }
  });

  it('removes the temporary copy once the work with a local file is done', async () => {
    const store = make();
    await store.put('v2/source.mp4', file('video'), 'video/mp4');
    const seen = await store.withLocalFile('v2/source.mp4', async (path) => path);
    // The filesystem store hands out the file itself; S3's is a download that must not linger.
    expect(existsSync(seen)).toBe(store instanceof FsBlobStore);
  });
});

describe('S3BlobStore when the storage is wrong', () => {
  it('reports a missing bucket and an unreachable endpoint as unavailable, with what is wrong', async () => {
    const noBucket = new S3BlobStore({ bucket: 'no-such-bucket', prefix: '', endpoint: s3.endpoint });
    const error = await noBucket.open('v/a.png').catch((e: unknown) => toAppError(e));
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect((error as AppError).message).toMatch(/no-such-bucket/);
    const nowhere = new S3BlobStore({ bucket: 'covers', prefix: '', endpoint: 'http://127.0.0.1:9' });
    expect(await kindOf(nowhere.put('v/a.png', file('x'), 'image/png'))).toBe('unavailable');
  });

  it('checks the bucket at start: fine when it is there, a clear unavailable when it is not', async () => {
    await new S3BlobStore({ bucket: s3.bucket, prefix: 'p', endpoint: s3.endpoint }).check();
    const missing = await new S3BlobStore({ bucket: 'no-such-bucket', prefix: '', endpoint: s3.endpoint }).check().catch((e: unknown) => e as AppError);
    expect(missing).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/s3:\/\/no-such-bucket .*no such bucket/) });
    const unreachable = await new S3BlobStore({ bucket: 'covers', prefix: '', endpoint: 'http://127.0.0.1:9' }).check().catch((e: unknown) => e as AppError);
    expect(unreachable).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/127\.0\.0\.1:9.*ECONNREFUSED/) });
  });
});
