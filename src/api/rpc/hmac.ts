import { hash } from 'node:crypto';

/** A secret prepared for HMAC: its inner and outer pads (RFC 2104), made once per key. */
export interface HmacKey {
  readonly algorithm: 'sha1' | 'sha256';
  readonly inner: Buffer;
  readonly outer: Buffer;
}

/** Both algorithms here hash in 64-byte blocks. */
const BLOCK = 64;

export function hmacKey(algorithm: HmacKey['algorithm'], secret: string | Buffer): HmacKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const key = bytes.length > BLOCK ? hash(algorithm, bytes, 'buffer') : bytes;
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  return { algorithm, inner, outer };
}

let scratch = Buffer.allocUnsafe(4096);

/**
 * HMAC(key, message) as two one-shot hashes, H(outer ‖ H(inner ‖ message)), the same bytes as
 * createHmac's (hmac.test.ts checks them against it).
 *
 * Why not createHmac: each call makes a native Hmac object that V8 tracks through a weak handle, and
 * under load the scavenger spent over a millisecond of every pause finishing a couple of thousand of them
 * (bench:api: the p99 is those pauses). crypto.hash keeps nothing, and is a quarter faster here too.
 * The scratch buffer is used synchronously only.
 */
export function hmac(key: HmacKey, message: string, encoding: 'base64' | 'hex'): string {
  // A UTF-16 code unit is at most three bytes of UTF-8.
  if (BLOCK + message.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(BLOCK + message.length * 3)));
  key.inner.copy(scratch, 0);
  const length = scratch.write(message, BLOCK, 'utf8');
  // 'binary' is latin1: one character per byte of the digest.
  const innerDigest = hash(key.algorithm, scratch.subarray(0, BLOCK + length), 'binary');
  key.outer.copy(scratch, 0);
  const digestLength = scratch.write(innerDigest, BLOCK, 'latin1');
  return hash(key.algorithm, scratch.subarray(0, BLOCK + digestLength), encoding);
}
