import { describe, expect, it } from 'vitest';
import { checkTimestamp } from './gateway.js';

describe('request timestamps', () => {
  it('accepts a request timestamp within 15 minutes either way, and names the problem otherwise', () => {
    const now = new Date('2026-12-07T18:00:00Z');
    expect(checkTimestamp('2026-12-07T18:15:00Z', now).getTime()).toBe(now.getTime() + 15 * 60_000);
    expect(checkTimestamp('2026-12-07T17:45:00Z', now).getTime()).toBe(now.getTime() - 15 * 60_000);
    expect(() => checkTimestamp('2026-12-07T18:15:01Z', now)).toThrow(expect.objectContaining({ code: 'InvalidTimeStamp.Expired' }));
    expect(() => checkTimestamp('2026-02-30T00:00:00Z', now)).toThrow(expect.objectContaining({ code: 'InvalidTimeStamp.Format' }));
  });
});
