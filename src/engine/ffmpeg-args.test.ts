import { describe, expect, it } from 'vitest';
import { UNTRUSTED_INPUT, fitInside, formatTime, renderArgs, rgbFramesArgs, scanArgs, showinfoIndices, windowsArgs, type TimeWindow } from './ffmpeg-args.js';

const size = { width: 320, height: 180 };
/** The filter names of a graph, in the order ffmpeg numbers them. */
const filterNames = (graph: string) => graph.split(/(?<!\\)[;,]/).map((f) => f.replace(/^\[[^\]]+\]/, '').split(/[=[]/)[0]);

describe('ffmpeg argument builders', () => {
  it('the subject frames come from one raw input, scaled to the models\' size as rgb24 on stdout', () => {
    const args = rgbFramesArgs({ file: 'gathered.raw', size: { width: 1920, height: 1080 }, pixelFormat: 'yuv420p', first: 0, count: 7 }, { width: 640, height: 360 });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args.join(' ')).toContain('-f rawvideo -pix_fmt yuv420p -video_size 1920x1080');
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=640:360:flags=area,setsar=1,format=rgb24');
    expect(args.slice(-4)).toEqual(['passthrough', '-f', 'rawvideo', 'pipe:1']);
  });

  it('the keyframe pass skips non-key frames before decoding and streams raw frames with timestamps', () => {
    const args = scanArgs('in.mp4', { kind: 'keyframes' }, size);
    expect(args.indexOf('-skip_frame')).toBeLessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-skip_frame') + 1]).toBe('nokey');
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=320:180:flags=area,format=rgb24,showinfo');
    expect(args.slice(-3)).toEqual(['-f', 'rawvideo', 'pipe:1']);
    expect(args).toContain('passthrough');
    expect(args).not.toContain('-fps_mode'); // unknown to the 2018 build we fall back to
  });

  it('timed sampling decodes everything and keeps a fixed rate', () => {
    const args = scanArgs('in.mp4', { kind: 'timed', fps: 8.333333 }, size);
    expect(args).not.toContain('-skip_frame');
    expect(args[args.indexOf('-vf') + 1]).toMatch(/^fps=8\.3333,scale=/);
  });

  it('batches windows as one seeking input each, with showinfo where showinfoIndices says', () => {
    const args = windowsArgs('in.mp4', [{ start: 1.5, duration: 0.6 }, { start: 10, duration: 0.6 }], size);
    expect(args.filter((a) => a === '-i')).toHaveLength(2);
    expect(args.slice(args.indexOf('-noaccurate_seek'), args.indexOf('-noaccurate_seek') + 5)).toEqual(['-noaccurate_seek', '-ss', '1.500100', '-t', '0.600']);
    // Every read of the video is held to the file protocol and video demuxers, right before its -i.
    const inputs = args.flatMap((a, i) => (a === '-i' ? [i] : []));
    for (const i of inputs) expect(args.slice(i - UNTRUSTED_INPUT.length, i)).toEqual(UNTRUSTED_INPUT);
    expect(args[args.indexOf('-skip_frame') + 1]).toBe('noref');
    const graph = (a: string[]) => a[a.indexOf('-filter_complex') + 1]!;
    // ffmpeg numbers parsed filters in the order the graph names them; mixed windows shift the numbers.
    const mixed: TimeWindow[] = [
      { start: 0, duration: 0.3, tee: { size: { width: 1920, height: 1080 }, file: 'still.rgb', pixelFormat: 'yuv420p' } },
      { start: 4, duration: 0.3 },
      { start: 9, duration: 3.5, fps: 10, tee: { size: { width: 480, height: 270 }, file: 'gif.rgb', pixelFormat: 'rgb24' } },
    ];
    const names = filterNames(graph(windowsArgs('in.mp4', mixed, size)));
    const indices = showinfoIndices(mixed);
    expect(indices.map((i) => names[i])).toEqual(['showinfo', 'showinfo', 'showinfo']);
    expect(names.filter((n) => n === 'showinfo')).toHaveLength(3);
    const withTee = windowsArgs('in.mp4', mixed, size);
    expect(withTee.slice(-2)).toEqual(['-y', 'gif.rgb']);
    expect(withTee).toContain('still.rgb');
    expect(graph(args)).toMatch(/concat=n=2:v=1:a=0\[out\]$/);
  });

  it('seeks to the keyframe at or before a time without decoding the GOP before it', () => {
    const args = windowsArgs('in.mp4', [{ start: 10, duration: 1 }], size);
    // -ss a hair after the wanted frame lands on its keyframe; -noaccurate_seek keeps the frames from there.
    expect(args.slice(args.indexOf('-noaccurate_seek'), args.indexOf('-noaccurate_seek') + 3)).toEqual(['-noaccurate_seek', '-ss', '10.000100']);
  });

  it('gives a window that starts mid-GOP the lead from its keyframe (-t counts from where the seek lands)', () => {
    const args = windowsArgs('in.mp4', [{ start: 10, duration: 1, lead: 3.5 }], size);
    expect(args[args.indexOf('-t') + 1]).toBe('4.500');
  });

  it('decodes sequential windows from the start once, each trimmed to its own time span', () => {
    const windows: TimeWindow[] = [{ start: 2, duration: 0.5 }, { start: 6, duration: 1, fps: 10, tee: { size, file: 'g.rgb', pixelFormat: 'rgb24' } }];
    const args = windowsArgs('in.mp4', windows, size, 'sequential');
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args).not.toContain('-ss');
    expect(args[args.indexOf('-t') + 1]).toBe('7.050');
    const text = args[args.indexOf('-filter_complex') + 1]!;
    expect(text).toMatch(/^\[0:v:0\]split=2\[in0\]\[in1\];/);
    // No setpts: the windows keep the file's timestamps (a shifted pts is truncated, two frames can share one).
    expect(text).toContain('[in0]trim=start=2.000:end=2.500,scale');
    expect(text).toContain('[in1]trim=start=6.000:end=7.000,fps=10');
    // The split is filter 0, so the windows' showinfo filters are numbered after it.
    const names = filterNames(text);
    const indices = showinfoIndices(windows, 'sequential');
    expect(indices.map((i) => names[i])).toEqual(['showinfo', 'showinfo']);
  });

  it('encodes stills and GIFs from decoded frames in one process, the GIF with a two-pass palette', () => {
    const args = renderArgs([
      { kind: 'png', out: 'c.png', frames: { file: 's.yuv', size: { width: 1920, height: 1080 }, pixelFormat: 'yuv420p', first: 3, count: 1 } },
      { kind: 'gif', out: 'p.gif', fps: 10, frames: { file: 'g.rgb', size: { width: 480, height: 270 }, pixelFormat: 'rgb24', first: 4, count: 30 } },
    ]);
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('[0:v:0]trim=start_frame=3:end_frame=4');
    expect(graph).toContain('[1:v:0]trim=start_frame=4:end_frame=34');
    expect(graph).toContain('palettegen');
    expect(graph).toContain('paletteuse');
    expect(args).toContain('1920x1080');
    expect(args).toContain('480x270');
    expect(args.slice(-1)).toEqual(['p.gif']);
  });

  it('fits sizes inside a box with even sides and never enlarges', () => {
    expect(fitInside({ width: 1920, height: 1080 }, 320, 320)).toEqual({ width: 320, height: 180 });
    expect(fitInside({ width: 1080, height: 1920 }, 320, 320)).toEqual({ width: 180, height: 320 });
    expect(fitInside({ width: 200, height: 100 }, 320, 320)).toEqual({ width: 200, height: 100 });
    expect(fitInside({ width: 1001, height: 3 }, 320, 320)).toEqual({ width: 320, height: 2 });
  });

  it('formats times for ffmpeg without exponents or negatives', () => {
    expect(formatTime(1e-7)).toBe('0.000');
    expect(formatTime(-3)).toBe('0.000');
    expect(formatTime(3723.4567)).toBe('3723.457');
  });
});
