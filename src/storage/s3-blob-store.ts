import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore, ByteRange } from '../covers/ports.js';
import { AppError } from '../errors.js';
import { blobKeySegments } from './blob-key.js';
import { ByteMeter } from './byte-meter.js';

export interface S3Location {
  readonly bucket: string;
  /** Prepended to every key ('' for the bucket's root). */
  readonly prefix: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2, …): addressed path-style. Empty for AWS itself. */
  readonly endpoint: string;
}

/**
 * Files in S3-compatible object storage (AWS SDK v3). Region and credentials come from the SDK's usual
 * chain (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles, instance roles). Keys are checked
 * like the filesystem store's, so both stores accept and refuse the same keys.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;

  constructor(private readonly location: S3Location) {
    this.client = new S3Client({
      region: process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      ...(location.endpoint !== '' ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
      // A stalled connection must fail (and the task retry) rather than hang a worker.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      // Checksums only where S3 requires them: many S3-compatible servers reject the newer optional ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /**
   * Fails fast at start when the bucket is missing, unreachable or not ours to read: it reads a key that
   * never exists (HeadBucket would be the natural call, but S3-compatible servers disagree on signing it).
   */
  async check(): Promise<void> {
    try {
      await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey('.smartcover-check') }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return;
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      const reason = error instanceof S3ServiceException && error.name === 'NoSuchBucket' ? 'no such bucket'
        : status === 403 ? 'access denied (check the credentials)'
          : (error as Error).message || (error as { code?: string }).code || String(error);
      throw new AppError('unavailable', `cannot use the bucket s3://${this.location.bucket}${this.location.endpoint === '' ? '' : ` at ${this.location.endpoint}`}: ${reason}`, { cause: error });
    }
  }

  objectKey(key: string): string {
    const segments = blobKeySegments(key);
    return [...(this.location.prefix === '' ? [] : [this.location.prefix]), ...segments].join('/');
  }

  async put(key: string, localFile: string, contentType: string): Promise<void> {
    // Multipart above 5 MiB (sources can be gigabytes); an object appears whole or not at all.
    await this.guard(new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: createReadStream(localFile), ContentType: contentType },
    }).done());
  }

  /**
   * Streams into a multipart upload (lib-storage holds at most a few 5 MiB chunks at a time). A body that
   * fails or runs over the limit aborts the upload, so no object appears.
   */
  async write(key: string, body: Readable, options: { maxBytes: number; contentType: string; md5?: string | undefined }): Promise<{ bytes: number; md5: string }> {
    const meter = new ByteMeter(options.maxBytes, options.md5);
    const upload = new Upload({ client: this.client, params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: meter, ContentType: options.contentType } });
    const feeding = pipeline(body, meter);
    const sending = upload.done();
    try {
      await feeding;
    } catch (error) {
      await upload.abort().catch(() => {});
      await sending.catch(() => {});
      throw error;
    }
    await this.guard(sending);
    return { bytes: meter.bytes, md5: meter.md5() };
  }

  /** Reads the parts one after another into one multipart upload: no part needs S3's 5 MiB minimum. */
  async concat(key: string, parts: readonly string[], contentType: string): Promise<{ bytes: number }> {
    const body = new PassThrough();
    const upload = new Upload({ client: this.client, params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: body, ContentType: contentType } });
    const sending = upload.done();
    let bytes = 0;
    try {
      for (const part of parts) {
        const { stream, size } = await this.open(part);
        bytes += size;
        await pipeline(stream, body, { end: false });
      }
      body.end();
    } catch (error) {
      await upload.abort().catch(() => {});
      body.destroy();
      await sending.catch(() => {});
      throw error;
    }
    await this.guard(sending);
    return { bytes };
  }

  async withLocalFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T> {
    const { stream } = await this.open(key);
    const dir = await mkdtemp(join(tmpdir(), 'smartcover-s3-'));
    try {
      const file = join(dir, 'blob');
      await this.guard(pipeline(stream, createWriteStream(file)));
      return await use(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async open(key: string, range?: ByteRange): Promise<{ stream: Readable; size: number }> {
    const object = await this.guard(this.client.send(new GetObjectCommand({
      Bucket: this.location.bucket, Key: this.objectKey(key), ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
    })));
    if (!(object.Body instanceof Readable)) throw new AppError('internal', 'S3 returned no readable body');
    // A ranged answer's ContentLength is the piece's; the whole size is after the slash of Content-Range.
    const total = /\/(\d+)$/.exec(object.ContentRange ?? '')?.[1];
    return { stream: object.Body, size: Number(total ?? object.ContentLength ?? 0) };
  }

  /**
   * One DeleteObject per key, a few at a time: a job's files are a handful, and the batch call is the one
   * S3-compatible servers most often get wrong (it needs a body checksum). Deleting nothing is fine.
   */
  async delete(keys: readonly string[]): Promise<void> {
    const objectKeys = keys.map((key) => this.objectKey(key));
    for (let i = 0; i < objectKeys.length; i += 8) {
      await Promise.all(objectKeys.slice(i, i + 8).map((Key) => this.guard(this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key })))));
    }
  }

  /** S3's answers in the service's vocabulary: a missing object is not_found, a failing store unavailable. */
  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      if (error instanceof S3ServiceException) {
        const status = error.$metadata.httpStatusCode ?? 0;
        if (error.name === 'NoSuchBucket') throw new AppError('unavailable', `the bucket ${this.location.bucket} does not exist`, { cause: error });
        if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) throw new AppError('not_found', 'no such file', { cause: error });
        if (status >= 500 || status === 429 || status === 403) throw new AppError('unavailable', `object storage refused: ${error.name}`, { cause: error });
      }
      throw error;
    }
  }
}
