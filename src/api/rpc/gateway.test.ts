import { describe, expect, it } from 'vitest';
import { checkTimestamp, checkWireTime } from './gateway.js';

describe('wire times', () => {
  it('reads yyyy-MM-ddTHH:mm:ssZ, with up to three fraction digits, as UTC', () => {
    expect(checkWireTime('2026-12-07T18:05:09Z')?.toISOString()).toBe('2026-12-07T18:05:09.000Z');
    expect(checkWireTime('2026-12-07T18:05:09.5Z')?.toISOString()).toBe('2026-12-07T18:05:09.500Z');
    expect(checkWireTime('2024-02-29T23:59:59.123Z')?.toISOString()).toBe('2024-02-29T23:59:59.123Z');
  });

  it('refuses other shapes and fields out of range instead of rolling them over', () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-07T24:00:00Z', '2026-12-07T23:60:00Z', '2026-12-07T23:59:60Z',
      '2026-12-07 18:05:09Z', '2026-12-07T18:05:09', '2026-12-07T18:05:09+08:00', '2026-12-07T18:05:09.1234Z', '24/11/2026 10:00', '']) {
      expect(checkWireTime(bad), bad).toBeUndefined();
    }
  });

  it('accepts a request timestamp within 15 minutes either way, and names the problem otherwise', () => {
    const now = new Date('2026-12-07T18:00:00Z');
    expect(checkTimestamp('2026-12-07T18:15:00Z', now).getTime()).toBe(now.getTime() + 15 * 60_000);
    expect(checkTimestamp('2026-12-07T17:45:00Z', now).getTime()).toBe(now.getTime() - 15 * 60_000);
    expect(() => checkTimestamp('2026-12-07T18:15:01Z', now)).toThrow(expect.objectContaining({ code: 'InvalidTimeStamp.Expired' }));
    expect(() => checkTimestamp('2026-02-30T00:00:00Z', now)).toThrow(expect.objectContaining({ code: 'InvalidTimeStamp.Format' }));
  });
});
