import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { backendsUnderTest, postgres } from './support/backend.js';
import { S3_ENV, startS3 } from './support/s3.js';
import { uploadsSuite, type StorageUnderTest } from './uploads.suite.js';

/** Sources and staged parts in S3-compatible storage (s3rver), read back from s3rver's own files. */
function s3Storage(): StorageUnderTest & { close(): Promise<void> } {
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;
  const prefix = `${Math.random().toString(36).slice(2)}/media`;
  return {
    name: 'S3',
    async env() {
      s3 ??= await startS3('uploads');
      return { ...S3_ENV, SMARTCOVER_STORAGE: `s3://${s3.bucket}/${prefix}`, SMARTCOVER_S3_ENDPOINT: s3.endpoint };
    },
    files: () => s3!.objects(prefix),
    md5: (_server, key) => createHash('md5').update(readFileSync(s3!.file(`${prefix}/${key}`))).digest('hex'),
    close: async () => s3?.close(),
  };
}

if (backendsUnderTest().includes(postgres)) {
  const storage = s3Storage();
  afterAll(() => storage.close());
  uploadsSuite(postgres, storage);
} else {
  describe.skip('uploads on postgres with S3 (set SMARTCOVER_TEST_DATABASE_URL: scripts/test-postgres.sh start)', () => it.skip('needs PostgreSQL', () => {}));
}
