import { describe, expect, it } from 'vitest';
import { seeded } from '../../../test/support/frames.js';
import { checkWireTime } from './wire-time.js';

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

  it('reads exactly what the pattern yyyy-MM-ddTHH:mm:ss(.f{1,3})Z and the calendar allow (20 000 random mutations)', () => {
    const pattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
    const definition = (value: string) => {
      const m = pattern.exec(value);
      if (m === null) return undefined;
      const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000)));
      return date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59 ? undefined : date.getTime();
    };
    // Seeded: a failure repeats.
    const next = seeded(7);
    const chars = ['0', '1', '2', '3', '5', '9', '-', 'T', ':', '.', 'Z', 'z', ' ', '/', '٣', '２', '+'];
    const valid = ['2026-12-07T18:05:09Z', '2024-02-29T23:59:59.123Z', '2026-01-31T00:00:00.5Z', '1999-12-31T23:59:59.99Z', '2000-02-29T12:00:00.1Z', '2100-02-28T00:00:00Z', '0004-02-29T00:00:00Z', '2026-04-30T00:00:00Z'];
    for (let i = 0; i < 20_000; i++) {
      let text = valid[Math.floor(next() * valid.length)]!;
      for (let edits = Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * (text.length + 1));
        const c = chars[Math.floor(next() * chars.length)]!;
        const kind = next();
        text = kind < 0.5 ? text.slice(0, at) + c + text.slice(at + 1) : kind < 0.75 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      }
      expect(checkWireTime(text)?.getTime(), text).toBe(definition(text));
    }
  });
});
