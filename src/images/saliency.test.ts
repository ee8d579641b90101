import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { saliencyPeak } from './saliency.js';

/** A plain grey picture with one detailed, colourful patch (a checkerboard) at `at`. */
async function patchAt(at: { x: number; y: number }, size = { width: 400, height: 200 }): Promise<Buffer> {
  const cells = Array.from({ length: 36 }, (_, i) => `<rect x="${(i % 6) * 10}" y="${Math.floor(i / 6) * 10}" width="10" height="10" fill="${(i + Math.floor(i / 6)) % 2 === 0 ? '#d02020' : '#2040e0'}"/>`).join('');
  const svg = `<svg width="${size.width}" height="${size.height}"><rect width="100%" height="100%" fill="#808080"/><g transform="translate(${at.x},${at.y})">${cells}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('saliencyPeak', () => {
  it('finds a detailed, colourful subject away from the centre of a plain picture', async () => {
    for (const at of [{ x: 300, y: 60 }, { x: 20, y: 120 }, { x: 170, y: 10 }]) {
      const peak = await saliencyPeak(await patchAt(at), { width: 400, height: 200 });
      expect(peak.x, JSON.stringify(at)).toBeGreaterThanOrEqual(at.x - 10);
      expect(peak.x, JSON.stringify(at)).toBeLessThanOrEqual(at.x + 70);
      expect(peak.y, JSON.stringify(at)).toBeGreaterThanOrEqual(at.y - 10);
      expect(peak.y, JSON.stringify(at)).toBeLessThanOrEqual(at.y + 70);
    }
  });

  it('answers in the picture’s own pixels whatever its size, and the centre for a plain picture', async () => {
    const large = await sharp(await patchAt({ x: 300, y: 60 })).resize(1600, 800).png().toBuffer();
    const peak = await saliencyPeak(large, { width: 1600, height: 800 });
    expect(peak.x).toBeGreaterThan(1160);
    expect(peak.x).toBeLessThan(1480);
    const plain = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#336699' } }).png().toBuffer();
    const centre = await saliencyPeak(plain, { width: 300, height: 100 });
    expect(Math.abs(centre.x - 150)).toBeLessThan(20);
    expect(Math.abs(centre.y - 50)).toBeLessThan(10);
  });
});
