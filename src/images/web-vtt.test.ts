import { describe, expect, it } from 'vitest';
import { cellAt, sheetSize, type SpriteLayout } from './sprite-sheet.js';
import { thumbnailVtt } from './web-vtt.js';

const layout: SpriteLayout = { cell: { width: 160, height: 90 }, columns: 10, lines: 3, padding: 2, margin: 4, color: 'black' };

describe('sprite layout and its WebVTT track', () => {
  it('lays cells out row by row, margin outside and padding between, and starts a new sheet when one is full', () => {
    expect(sheetSize(layout)).toEqual({ width: 8 + 1600 + 18, height: 8 + 270 + 4 });
    expect(cellAt(layout, 0)).toEqual({ sheet: 0, box: { x: 4, y: 4, width: 160, height: 90 } });
    expect(cellAt(layout, 11)).toEqual({ sheet: 0, box: { x: 4 + 162, y: 4 + 92, width: 160, height: 90 } });
    expect(cellAt(layout, 30)).toEqual({ sheet: 1, box: { x: 4, y: 4, width: 160, height: 90 } });
    // 50 shots in 10×3: sheets of 30 and 20.
    expect(Array.from({ length: 50 }, (_, i) => cellAt(layout, i).sheet).filter((s) => s === 1)).toHaveLength(20);
  });

  it('writes cues of HH:MM:SS.mmm ranges pointing into the sheets with #xywh', () => {
    const vtt = thumbnailVtt([
      { start: 0, end: 1.5, image: 'sprite-00001.jpg', box: { x: 4, y: 4, width: 160, height: 90 } },
      { start: 3661.25, end: 3662, image: 'sprite-00002.jpg', box: { x: 166, y: 4, width: 160, height: 90 } },
    ]);
    expect(vtt).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nsprite-00001.jpg#xywh=4,4,160,90\n\n01:01:01.250 --> 01:01:02.000\nsprite-00002.jpg#xywh=166,4,160,90\n');
  });
});
