import { describe, expect, it } from 'vitest';
import { ProgressBar, type Terminal } from './progress-bar.js';

function stream(isTTY: boolean): Terminal & { text: string } {
  const sink = { text: '', isTTY, columns: 80, write: (text: string) => (sink.text += text) };
  return sink;
}

describe('ProgressBar', () => {
  it('draws on a terminal, at most ten times a second, and clears its line', () => {
    const out = stream(true);
    let now = 0;
    const bar = new ProgressBar(out, () => now);
    bar.update(0.1, 'scanning');
    now = 50;
    bar.update(0.2, 'scanning'); // too soon: skipped
    now = 200;
    bar.update(0.5, 'scanning');
    expect(out.text.split('\r\x1b[2K').filter(Boolean)).toHaveLength(2);
    expect(out.text).toContain(' 50% scanning');
    bar.clear();
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes nothing when the output is not a terminal', () => {
    const out = stream(false);
    const bar = new ProgressBar(out, () => 1000);
    bar.update(0.5, 'scanning');
    bar.clear();
    expect(out.text).toBe('');
  });
});
