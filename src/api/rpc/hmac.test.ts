import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmac, hmacKey } from './hmac.js';

describe('hmac', () => {
  it('gives createHmac\'s bytes for keys shorter and longer than a block and messages of any size and script', () => {
    const alphabet = ['a', 'Z', '%', '=', '&', 'é', '中', '😀', '\u0000'];
    for (let i = 0; i < 300; i++) {
      const secret = randomBytes(i % 150);
      const length = i === 299 ? 20_000 : (i * 37) % 700;
      let message = '';
      for (let j = 0; j < length; j++) message += alphabet[(i * 7 + j * 13) % alphabet.length];
      for (const algorithm of ['sha1', 'sha256'] as const) {
        const encoding = i % 2 === 0 ? 'base64' : 'hex';
        expect(hmac(hmacKey(algorithm, secret), message, encoding)).toBe(createHmac(algorithm, secret).update(message, 'utf8').digest(encoding));
      }
    }
  });

  it('takes a string secret as its UTF-8 bytes', () => {
    expect(hmac(hmacKey('sha1', 'clé&'), 'GET&%2F&x', 'base64')).toBe(createHmac('sha1', Buffer.from('clé&', 'utf8')).update('GET&%2F&x').digest('base64'));
  });
});
