import { existsSync, mkdtempSync, readdirSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { scratchDir } from './clips.js';

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

/** The keys s3rver accepts; tests hand them to the AWS SDK the usual way (environment variables). */
export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

/** An S3-compatible server on loopback (s3rver), with a bucket, storing in the test run's scratch space. */
export async function startS3(bucket = 'covers'): Promise<{ endpoint: string; bucket: string; objects: (prefix: string) => string[]; file: (key: string) => string; close: () => Promise<void> }> {
  const directory = mkdtempSync(join(scratchDir(), 's3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  Object.assign(process.env, S3_ENV);
  /*
   * What the server holds under a prefix, read from its own storage: s3rver rejects the SDK's signature of
   * listing requests, and a test needs the truth about the bucket, not another client's view of it.
   */
  const objects = (prefix: string): string[] => {
    const root = join(directory, bucket, prefix);
    if (!existsSync(root)) return [];
    return (readdirSync(root, { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((e) => e.isFile() && e.name.endsWith('._S3rver_object'))
      .map((e) => relative(root, join(e.parentPath, e.name.replace(/\._S3rver_object$/, ''))));
  };
  /** Where s3rver keeps an object's bytes. */
  const file = (key: string): string => join(directory, bucket, `${key}._S3rver_object`);
  return { endpoint: `http://127.0.0.1:${port}`, bucket, objects, file, close: () => server.close() };
}
