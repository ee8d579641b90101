import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest, StillEntry } from '../src/engine/manifest.js';
import { locateModels } from '../src/engine/subjects/model-files.js';
import { ModelHost } from '../src/engine/subjects/model-host.js';
import { makeClip, timeline, type Stretch } from './support/clips.js';
import { analyzeInto } from './support/engine.js';
import { footageShot, photos, subtitled } from './support/photos.js';
import { footage } from './support/truth.js';

/**
 * Covers a person would pick, on clips made of real photographs and real footage (see support/photos.ts):
 * the portrait over technically equal pictures, never a slide or a subtitled frame when there is better,
 * the face inside the frame over the same face cut by the edge, round letters never taken for a face.
 * Ranks and sub-scores, not exact numbers.
 */
const SIZE = { width: 480, height: 270, gop: 25 };
const stillsOf = (m: Manifest) => m.covers.filter((c): c is StillEntry => c.format === 'png');
/** Which shot of the clip a still comes from. */
const shotOf = (shots: readonly Stretch[], still: StillEntry) => timeline(shots).find((s) => still.time >= s.start && still.time < s.end)!.label;
/** Real photographs from Debian's opencv-doc: without them (locally, not under CI) the test is skipped. */
const available = (shots: readonly (Stretch | undefined)[]): shots is Stretch[] => shots.every((s) => s !== undefined);

describe('subject-aware covers', () => {
  const models = new ModelHost(locateModels(), { lingerMs: 10_000 });
  afterAll(() => models.close());

  it('puts the portrait first, and no slide or subtitled frame among the five', async () => {
    const shots = [
      photos.named('building', 3), photos.portrait(3), photos.named('fruits', 3), photos.slide(3), photos.named('messi5', 3),
      photos.named('baboon', 3), footageShot('cockatoo.mp4', 3) && subtitled(footageShot('cockatoo.mp4', 3)!), photos.named('starry_night', 3),
    ];
    if (!available(shots)) return;
    const file = await makeClip('eight-photos.mp4', shots, SIZE);
    const { manifest } = await analyzeInto(file, { subjects: models });
    const stills = stillsOf(manifest);
    expect(stills).toHaveLength(5);
    const from = stills.map((s) => shotOf(shots, s));
    expect(from[0], from.join(', ')).toBe('portrait');
    expect(from).not.toContain('slide');
    expect(from).not.toContain('cockatoo.mp4-subtitled');
    const portrait = stills[0]!;
    expect(portrait.subscores['faces']).toBeGreaterThan(0.5);
    expect(portrait.subscores['eyes']).toBe(1);
    expect(portrait.subjects!.faces).toHaveLength(1);
    const face = portrait.subjects!.faces[0]!;
    // In the still's own pixels: the face sits in the middle of the frame and fills much of its height.
    expect(face.x + face.width / 2).toBeGreaterThan(portrait.width * 0.35);
    expect(face.x + face.width / 2).toBeLessThan(portrait.width * 0.65);
    expect(face.height).toBeGreaterThan(portrait.height * 0.4);
    expect(face.eyes).toBe('open');
    for (const still of stills) {
      for (const key of ['faces', 'eyes', 'text', 'subtitles']) {
        expect(still.subscores[key], `${still.file} ${key}`).toBeGreaterThanOrEqual(0);
        expect(still.subscores[key], `${still.file} ${key}`).toBeLessThanOrEqual(1);
      }
      for (const box of [...still.subjects!.faces, ...still.subjects!.text]) {
        expect(box.x + box.width).toBeLessThanOrEqual(still.width);
        expect(box.y + box.height).toBeLessThanOrEqual(still.height);
      }
    }
    expect(manifest.analysis.subjectsExamined).toBeGreaterThanOrEqual(5);
  });

  it('ranks a face cut by the frame edge below the same face inside the frame', async () => {
    const shots = [photos.named('building', 3), photos.portrait(3, -0.42), photos.portrait(3)];
    if (!available(shots)) return;
    const file = await makeClip('edge-face.mp4', shots, SIZE);
    const { manifest } = await analyzeInto(file, { stills: 3, subjects: models });
    const stills = stillsOf(manifest);
    const inside = stills.find((s) => shotOf(shots, s) === 'portrait');
    const atEdge = stills.find((s) => shotOf(shots, s) === 'portrait-at-edge');
    expect(inside, stills.map((s) => shotOf(shots, s)).join(', ')).toBeDefined();
    expect(stills.indexOf(inside!)).toBe(0);
    // Three shots, three stills: the cut face is there, and below.
    expect(atEdge).toBeDefined();
    expect(stills.indexOf(atEdge!)).toBeGreaterThan(stills.indexOf(inside!));
    expect(atEdge!.subscores['faces']!).toBeLessThan(inside!.subscores['faces']!);
    for (const f of atEdge!.subjects!.faces) expect(f.cut).toBe(true);
  });

  it('does not take a logo of round letters for a face', async () => {
    const shots = [photos.logo(3), photos.named('fruits', 3)];
    if (!available(shots)) return;
    const file = await makeClip('round-letters.mp4', shots, SIZE);
    const { manifest } = await analyzeInto(file, { stills: 2, subjects: models });
    const logo = stillsOf(manifest).find((s) => shotOf(shots, s) === 'logo');
    expect(logo).toBeDefined();
    expect(logo!.subjects!.faces).toEqual([]);
    expect(logo!.subscores['faces']).toBe(0);
    expect(logo!.subjects!.text.length).toBeGreaterThan(0);
  });

  it('ranks a shot with burned-in subtitles below the same shot without, and finds the lines', async () => {
    const clean = footageShot('cockatoo.mp4', 3);
    if (clean === undefined) return;
    const shots = [clean, subtitled(footageShot('cockatoo.mp4', 3)!)];
    const file = await makeClip('subtitles.mp4', shots, SIZE);
    const { manifest } = await analyzeInto(file, { stills: 2, subjects: models });
    const stills = stillsOf(manifest);
    const withSubs = stills.find((s) => shotOf(shots, s) === 'cockatoo.mp4-subtitled');
    const without = stills.find((s) => shotOf(shots, s) === 'cockatoo.mp4');
    expect(without).toBeDefined();
    expect(stills.indexOf(without!)).toBe(0);
    expect(without!.subscores['subtitles']).toBe(1);
    expect(withSubs).toBeDefined();
    expect(withSubs!.subscores['subtitles']).toBe(0);
    expect(withSubs!.score).toBeLessThan(without!.score);
    const lines = withSubs!.subjects!.text.filter((t) => t.subtitle === true);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.y).toBeGreaterThan(withSubs!.height * 0.6);
  });

  it('picks faces over empty scenes in real footage: every still of the dinner scene shows a face', async () => {
    const film = footage('Megamind.avi');
    if (film === undefined) return;
    const { manifest } = await analyzeInto(film, { subjects: models });
    const stills = stillsOf(manifest);
    expect(stills).toHaveLength(5);
    for (const still of stills) {
      expect(still.subjects!.faces.length, `${still.file} at ${still.time} s`).toBeGreaterThan(0);
      expect(still.subscores['faces']).toBeGreaterThan(0.3);
    }
  });

  it('runs the heuristic engine alone without models: no subject sub-scores, no boxes', async () => {
    const file = await makeClip('eight-photos-plain.mp4', [photos.portrait(3), photos.slide(3), photos.logo(3)], SIZE);
    const { manifest } = await analyzeInto(file, { stills: 3 });
    for (const still of stillsOf(manifest)) {
      expect(still.subscores['faces']).toBeUndefined();
      expect(still.subjects).toBeUndefined();
    }
    expect(manifest.analysis.subjectsExamined).toBeUndefined();
  });
});
