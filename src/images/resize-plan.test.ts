import { describe, expect, it } from 'vitest';
import { resizePlan, type ResizeParams } from './resize-plan.js';

const src = { width: 200, height: 100 };
const plan = (p: Partial<ResizeParams>) => resizePlan(src, { mode: 'lfit', limit: true, ...p });

describe('resizePlan', () => {
  it("gives the spec's worked example: 200×100 with w 150 and h 80 in every mode", () => {
    expect(plan({ mode: 'lfit', w: 150, h: 80 })).toEqual({ scale: { width: 150, height: 75 }, then: 'none', box: { width: 150, height: 75 } });
    expect(plan({ mode: 'mfit', w: 150, h: 80 })).toEqual({ scale: { width: 160, height: 80 }, then: 'none', box: { width: 160, height: 80 } });
    expect(plan({ mode: 'fill', w: 150, h: 80 })).toEqual({ scale: { width: 160, height: 80 }, then: 'crop', box: { width: 150, height: 80 } });
    expect(plan({ mode: 'pad', w: 150, h: 80 })).toEqual({ scale: { width: 150, height: 75 }, then: 'pad', box: { width: 150, height: 80 } });
    expect(plan({ mode: 'fixed', w: 150, h: 80 })).toEqual({ scale: { width: 150, height: 80 }, then: 'none', box: { width: 150, height: 80 } });
  });

  it('scales the other side by the aspect when only one of w and h is given; m_fixed copies it', () => {
    expect(plan({ w: 100 }).box).toEqual({ width: 100, height: 50 });
    expect(plan({ h: 20 }).box).toEqual({ width: 40, height: 20 });
    expect(plan({ mode: 'fixed', w: 60 }).box).toEqual({ width: 60, height: 60 });
  });

  it('reads l and s as the long and the short side, whichever way the picture lies; w and h win over them, and all over p', () => {
    expect(plan({ l: 100 }).box).toEqual({ width: 100, height: 50 });
    expect(resizePlan({ width: 100, height: 200 }, { mode: 'lfit', limit: true, l: 100 }).box).toEqual({ width: 50, height: 100 });
    expect(plan({ s: 40 }).box).toEqual({ width: 80, height: 40 });
    expect(plan({ w: 50, l: 150, p: 10 }).box).toEqual({ width: 50, height: 25 });
    expect(plan({ p: 30 }).box).toEqual({ width: 60, height: 30 });
  });

  it('never enlarges by default (limit_1), and does with limit_0', () => {
    expect(plan({ w: 400 })).toEqual({ scale: src, then: 'none', box: src });
    expect(plan({ p: 200, limit: false }).box).toEqual({ width: 400, height: 200 });
  });

  it('refuses an output past 16384 px a side or 16,777,216 pixels', () => {
    expect(() => plan({ mode: 'fixed', w: 16_384, h: 16_384, limit: false })).toThrow(/at most 16384 px/);
    expect(() => plan({ mode: 'fixed', w: 5000, h: 5000, limit: false })).toThrow(/16777216 pixels/);
  });
});
