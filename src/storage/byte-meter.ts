import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError, tooLargeError } from '../errors.js';

/**
 * Passes bytes through while counting them and hashing them (MD5: OSS's ETag), and fails the stream as
 * soon as more than `maxBytes` have come, so an oversized upload stops without filling the disk.
 */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('md5');
  /** Set when the stream ends. */
  private digest: Buffer | undefined;

  /** `expectedMd5`: the client's Content-MD5 (base64); a body that does not match fails at its end. */
  constructor(
    private readonly maxBytes: number,
    private readonly expectedMd5?: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(tooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest();
    if (this.expectedMd5 !== undefined && this.digest.toString('base64') !== this.expectedMd5) {
      done(new AppError('invalid_argument', 'The Content-MD5 you specified does not match the body.', { details: { reason: 'bad_digest' } }));
      return;
    }
    done();
  }

  /** Hex MD5 of everything that passed (once the stream has ended). */
  md5(): string {
    return (this.digest ?? this.hash.copy().digest()).toString('hex');
  }
}
