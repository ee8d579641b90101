import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { faceCrop, gravityCrop, placeBox, subjectBoxSize, type Box } from './crop-box.js';

const image = { width: 400, height: 200 };
const inside = (outer: Box, inner: Box) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

describe('gravityCrop', () => {
  it('aligns the box to each gravity, then moves it by x and y', () => {
    const at = (g: Parameters<typeof gravityCrop>[1]['g'], x = 0, y = 0) => gravityCrop(image, { w: 100, h: 50, x, y, g });
    expect(at('nw')).toEqual({ x: 0, y: 0, width: 100, height: 50 });
    expect(at('center')).toEqual({ x: 150, y: 75, width: 100, height: 50 });
    expect(at('se')).toEqual({ x: 300, y: 150, width: 100, height: 50 });
    expect(at('east')).toEqual({ x: 300, y: 75, width: 100, height: 50 });
    expect(at('south')).toEqual({ x: 150, y: 150, width: 100, height: 50 });
    expect(at('nw', 10, 20)).toEqual({ x: 10, y: 20, width: 100, height: 50 });
  });

  it('clips a box that runs past the edge, and refuses a start outside the picture as OSS does', () => {
    expect(gravityCrop(image, { w: 100, h: 100, x: 350, y: 150, g: 'nw' })).toEqual({ x: 350, y: 150, width: 50, height: 50 });
    expect(gravityCrop(image, { x: 100, y: 0, g: 'nw' })).toEqual({ x: 100, y: 0, width: 300, height: 200 });
    let error: unknown;
    try {
      gravityCrop(image, { w: 10, h: 10, x: 400, y: 0, g: 'nw' });
    } catch (caught) {
      error = caught;
    }
    expect(isAppError(error, 'invalid_argument') && error.details['reason']).toBe('out_of_image');
  });
});

describe('subject-aware placement', () => {
  it('scales a box that does not fit down to the same shape', () => {
    expect(subjectBoxSize({ width: 640, height: 360 }, 405, 720)).toEqual({ width: 203, height: 360 });
    expect(subjectBoxSize({ width: 1280, height: 720 }, 405, 720)).toEqual({ width: 405, height: 720 });
    expect(subjectBoxSize(image, undefined, undefined)).toEqual({ width: 200, height: 200 });
  });

  it('keeps a face near the edge whole where the centre crop cuts it', () => {
    const face = { x: 300, y: 40, width: 80, height: 100 };
    const box = placeBox(image, { width: 120, height: 200 }, { faces: [face] });
    expect(inside(box, face)).toBe(true);
    expect(inside(image as Box & typeof image, box) || (box.x >= 0 && box.x + box.width <= 400)).toBe(true);
    expect(inside(placeBox(image, { width: 120, height: 200 }, { faces: [] }), face)).toBe(false);
  });

  it('holds as many faces as fit, never giving up the clearest one', () => {
    const clearest = { x: 20, y: 50, width: 60, height: 60 };
    const other = { x: 300, y: 50, width: 60, height: 60 };
    const near = { x: 100, y: 60, width: 50, height: 50 };
    const box = placeBox(image, { width: 150, height: 150 }, { faces: [clearest, other, near] });
    expect(inside(box, clearest)).toBe(true);
    expect(inside(box, near)).toBe(true);
    expect(inside(box, other)).toBe(false);
  });

  it('never cuts a face the box can hold, whatever the rounding', () => {
    for (let i = 0; i < 200; i++) {
      const w = 20 + (i * 7) % 150;
      const face = { x: (i * 13.37) % (398 - w), y: (i * 3.1) % 100, width: w + 0.4, height: 50.6 };
      const hull = Math.ceil(face.x + face.width) - Math.floor(face.x);
      const box = placeBox(image, { width: hull + (i % 3), height: 120 }, { faces: [face] });
      expect(inside(box, face), JSON.stringify({ face, box })).toBe(true);
      expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= 400 && box.y + box.height <= 200).toBe(true);
    }
  });

  it('centres on the saliency peak when there is no face', () => {
    expect(placeBox(image, { width: 100, height: 100 }, { faces: [], focus: { x: 380, y: 20 } })).toEqual({ x: 300, y: 0, width: 100, height: 100 });
  });

  it("g_face without a size is the face's box grown by p percent, or nothing without a face", () => {
    expect(faceCrop(image, [{ x: 100, y: 50, width: 40, height: 60 }], 200)).toEqual({ x: 80, y: 20, width: 80, height: 120 });
    expect(faceCrop(image, [], 100)).toBeUndefined();
  });
});
