import { frameDistance, hammingDistance, momentDistance, type FrameFeatures } from './features.js';
import { frameDefects, qualityOf, videoReference, type Defect, type QualityScores, type VideoReference } from './quality.js';

/** A frame looked at by the candidate pass. */
export interface Sample {
  readonly time: number;
  readonly features: FrameFeatures;
  /** The decoder reported this frame as corrupt, or it looks concealed (see looksConcealed). */
  readonly corrupt?: boolean | undefined;
}

/** A sample judged in the context of the whole video. */
export interface JudgedSample extends Sample {
  readonly index: number;
  readonly scores: QualityScores;
  readonly defects: readonly Defect[];
  /** Seconds of video this sample stands for (half the gap to each neighbour). */
  readonly coverage: number;
  /** Contiguous run of samples without a cut between them. */
  readonly shot: number;
  /** 0..1: how little the picture changes around this sample. */
  readonly stillness: number;
  /** In the opening or closing moments (logos, credits). */
  readonly trimmed: boolean;
}

/** Frames closer than this look alike: the same shot, or a near-duplicate. */
export const SAME_LOOK = 0.16;
/** Neighbouring samples further apart than this are across a cut. */
export const CUT = 0.3;
/**
 * Two stills are different pictures when more than this many of the 256 cells of their luma grids changed
 * (see momentDistance): ~5 % of the picture, a turned head, a passer-by, a new framing. Fewer is a
 * near-duplicate, which a user would see as the same cover.
 */
const DISTINCT_CELLS = 12;

/** Opening and closing moments skipped when there is anything else: logos, black leaders, credits. */
export function trimWindow(duration: number): { start: number; end: number } {
  if (!Number.isFinite(duration) || duration <= 0) return { start: 0, end: Infinity };
  return { start: Math.min(5, duration * 0.05), end: duration - Math.min(10, duration * 0.05) };
}

/** Pure: judges every sample against the video's own reference and its neighbours. */
export function judgeSamples(samples: readonly Sample[], duration: number): { judged: JudgedSample[]; reference: VideoReference } {
  const reference = videoReference(samples.map((s) => s.features));
  const end = Number.isFinite(duration) && duration > 0 ? duration : (samples.at(-1)?.time ?? 0);
  const trim = trimWindow(duration);
  const steps = samples.map((s, i) => (i === 0 ? Infinity : frameDistance(samples[i - 1]!.features, s.features)));
  let shot = 0;
  const judged = samples.map((sample, i): JudgedSample => {
    if (i > 0 && steps[i]! > CUT) shot++;
    const prev = samples[i - 1];
    const next = samples[i + 1];
    const from = prev === undefined ? 0 : (prev.time + sample.time) / 2;
    const to = next === undefined ? Math.max(end, sample.time) : (sample.time + next.time) / 2;
    const defects = frameDefects(sample.features, reference, sample.corrupt === true);
    if (isTransition(sample.features, prev?.features, next?.features)) defects.push('transition');
    return {
      ...sample,
      index: i,
      scores: qualityOf(sample.features, reference),
      defects,
      coverage: Math.max(0, to - from),
      shot,
      stillness: stillnessAt(steps, i),
      trimmed: sample.time < trim.start || sample.time > trim.end,
    };
  });
  return { judged, reference };
}

/** Stillness from the distance to the neighbours within the same shot; unknown (0.5) when alone. */
function stillnessAt(steps: readonly number[], i: number): number {
  const sides = [steps[i], steps[i + 1]].filter((d): d is number => d !== undefined && d <= CUT);
  if (sides.length === 0) return 0.5;
  const mean = sides.reduce((a, b) => a + b, 0) / sides.length;
  return clamp01(1 - mean / CUT);
}

/**
 * A frame in a fade or dissolve: the same picture as a neighbour, with much of its contrast gone. A real
 * change of exposure within a shot rarely costs a quarter of the contrast between two samples.
 */
export function isTransition(f: FrameFeatures, prev: FrameFeatures | undefined, next: FrameFeatures | undefined, loss = 0.25): boolean {
  for (const other of [prev, next]) {
    if (other === undefined) continue;
    if (f.contrast < (1 - loss) * other.contrast && other.contrast > 0.05 && layoutCorrelation(f.layout, other.layout) > 0.85) return true;
  }
  return false;
}

function layoutCorrelation(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    cov += da * db; va += da * da; vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/** How much a sample is worth as the face of its cluster: good, and still. */
export function representativeValue(s: JudgedSample): number {
  return s.scores.quality * (0.6 + 0.4 * s.stillness);
}

/**
 * Why a moment was taken over its neighbours: the best of the most covered look; the best of another shot;
 * another look within a shot already taken (a pan that arrives somewhere else); or another moment of a
 * look already taken that still looks different (a long take, a single-shot clip).
 */
export type PickReason =
  | { readonly kind: 'best' }
  | { readonly kind: 'shot' }
  | { readonly kind: 'look'; readonly near: number }
  | { readonly kind: 'moment'; readonly near: number };
// `near`: the index (in Selection.picks) of the pick this one shares its shot or look with, nearest in time.

export interface Pick {
  readonly sample: JudgedSample;
  /** 0..1: share of the video this look covers, relative to the most covered look. */
  readonly relevance: number;
  /** Other good samples of the same look, best first: where to go if this one refines badly. */
  readonly alternatives: readonly JudgedSample[];
  readonly reason: PickReason;
}

export interface Selection {
  readonly picks: Pick[];
  /** 'clean': every pick passed the hard filters; 'relaxed': the video had nothing that did. */
  readonly pool: 'clean' | 'relaxed';
  readonly rejected: Readonly<Record<Defect | 'trimmed', number>>;
}

const MAX_CLUSTERED = 2000;

/**
 * Pure: picks up to `count` moments that are all different pictures, most representative first.
 * 1. pool: samples with no defect outside the trimmed ends; failing that, any defect-free sample; failing
 *    that (a black or blurry video), everything — covers still come back, with scores that say so;
 * 2. leader clustering in order of merit: a sample joins the first cluster whose leader looks like it,
 *    so every cluster's leader is its best frame and leaders never look alike;
 * 3. diversity is a preference, never a cap: moments are taken one at a time, each the best mix of how
 *    much of the video its look covers (Hecate's relevance), quality, distance in time and difference
 *    from the stills already taken, other shots first. Every moment must be a different picture from all
 *    taken so far (see isDistinct): fewer come back only when the video has no more to show.
 */
export function pickMoments(judged: readonly JudgedSample[], count: number): Selection {
  const rejected = { damaged: 0, dark: 0, blown_out: 0, uniform: 0, blurry: 0, transition: 0, trimmed: 0 };
  for (const s of judged) {
    for (const d of s.defects) rejected[d]++;
    if (s.trimmed && s.defects.length === 0) rejected.trimmed++;
  }
  let pool = judged.filter((s) => s.defects.length === 0 && !s.trimmed);
  let kind: Selection['pool'] = 'clean';
  if (pool.length < count) {
    // The trimmed ends are a preference too: a short clip's opening is often most of what it has.
    const untrimmed = judged.filter((s) => s.defects.length === 0);
    if (untrimmed.length > pool.length) pool = untrimmed;
  }
  if (pool.length === 0) {
    kind = 'relaxed';
    // Damage is never relaxed: a broken picture is not a cover, whatever else the video lacks.
    const usable = judged.filter((s) => !s.defects.includes('damaged'));
    const notMoving = usable.filter((s) => !s.defects.includes('transition'));
    pool = notMoving.length > 0 ? notMoving : usable;
  }
  if (count <= 0 || pool.length === 0) return { picks: [], pool: kind, rejected };

  const { ordered, clusters } = lookClusters(pool);
  const top = clusters[0]!.coverage;
  const relevanceOf = (c: LookCluster) => (top > 0 ? Math.sqrt(c.coverage / top) : 1);
  const picks: Pick[] = [];
  const taken = new Set<JudgedSample>();
  const take = (sample: JudgedSample, relevance: number, alternatives: readonly JudgedSample[], reason: PickReason): void => {
    picks.push({ sample, relevance, alternatives, reason });
    taken.add(sample);
  };
  const nearest = (s: JudgedSample) => picks.reduce((a, p, i) => (Math.abs(p.sample.time - s.time) < Math.abs(picks[a]!.sample.time - s.time) ? i : a), 0);

  // Greedily, the moment that adds the most until there are enough: a look that covers much of the
  // video, a good frame, far in time from the stills already chosen and as different from them as
  // possible; another shot ahead of another view of a shot taken, a look's best frame ahead of its other
  // moments. Time matters because a pan or a walk changes every picture a little: without it the stills
  // of a long take bunch where its frames are best.
  const span = ordered.reduce((m, s) => Math.max(m, s.time), 0) - ordered.reduce((m, s) => Math.min(m, s.time), Infinity);
  const spacing = Math.max(1e-3, span / count);
  const clusterOf = new Map(clusters.flatMap((c) => c.members.map((m) => [m, c] as const)));
  while (picks.length < count) {
    let best: JudgedSample | undefined;
    let bestValue = -Infinity;
    // A new look in a new shot always comes first, then another look within a shot taken, then another
    // moment of a look taken (a shot that comes back later is the same look, not a new one).
    const shotsTaken = new Set(picks.map((p) => p.sample.shot));
    const looksTaken = new Set(picks.map((p) => clusterOf.get(p.sample)));
    const tier = (s: JudgedSample) => (looksTaken.has(clusterOf.get(s)) ? 2 : shotsTaken.has(s.shot) ? 1 : 0);
    const candidates = ordered.filter((s) => !taken.has(s) && isDistinctFromAll(s, picks));
    const first = Math.min(...candidates.map(tier));
    for (const s of candidates) {
      if (tier(s) !== first) continue;
      const home = clusterOf.get(s)!;
      let value = relevanceOf(home) * representativeValue(s) * (home.leader === s ? 1 : 0.8);
      if (picks.length > 0) {
        const cells = Math.min(...picks.map((p) => momentDistance(p.sample.features, s.features)));
        const gap = Math.min(...picks.map((p) => Math.abs(p.sample.time - s.time)));
        value *= Math.min(1, cells / (3 * DISTINCT_CELLS)) * (0.25 + 0.75 * Math.min(1, gap / spacing));
      }
      if (value > bestValue) { bestValue = value; best = s; }
    }
    if (best === undefined) break;
    const home = clusterOf.get(best)!;
    const alternatives = home.members.filter((m) => m !== best && !taken.has(m)).slice(0, 2);
    const newShot = picks.every((p) => p.sample.shot !== best!.shot);
    const reason: PickReason = picks.length === 0 ? { kind: 'best' }
      : newShot ? { kind: 'shot' }
      : home.leader === best ? { kind: 'look', near: nearest(best) }
      : { kind: 'moment', near: nearest(best) };
    // A second moment of a look stands for less of the video than the look's best frame.
    take(best, (home.leader === best ? 1 : 0.85) * relevanceOf(home), alternatives, reason);
  }
  return { picks, pool: kind, rejected };
}

interface LookCluster {
  readonly leader: JudgedSample;
  readonly members: JudgedSample[];
  coverage: number;
}

/**
 * Leader clustering in order of merit: a sample joins the first cluster whose leader looks like it, so
 * every cluster's leader is its best frame and leaders never look alike. Most covered look first.
 */
function lookClusters(pool: readonly JudgedSample[]): { ordered: JudgedSample[]; clusters: LookCluster[] } {
  const ordered = thin(pool, MAX_CLUSTERED).sort((a, b) => representativeValue(b) - representativeValue(a) || a.time - b.time);
  const clusters: LookCluster[] = [];
  for (const s of ordered) {
    const home = clusters.find((c) => looksAlike(c.leader, s));
    if (home === undefined) clusters.push({ leader: s, members: [s], coverage: s.coverage });
    else {
      home.members.push(s);
      home.coverage += s.coverage;
    }
  }
  clusters.sort((a, b) => b.coverage - a.coverage || representativeValue(b.leader) - representativeValue(a.leader));
  return { ordered, clusters };
}

/**
 * Pure: a frame chosen by hand scored on the scale of Pick.relevance: how much of the video its look
 * stands for (the samples that look like it) against the most covered look. A frame like no sample
 * (between keyframes of a fast pan) stands for its own moment only: the smallest sample's share.
 */
export function relevanceOfFrame(judged: readonly JudgedSample[], frame: Sample): number {
  const pool = judged.filter((s) => !s.defects.includes('damaged'));
  if (pool.length === 0) return 1;
  const { clusters } = lookClusters(pool);
  const top = clusters[0]!.coverage;
  const alike = pool.filter((s) => looksAlike(s, frame)).reduce((sum, s) => sum + s.coverage, 0);
  const own = alike > 0 ? alike : Math.min(...pool.map((s) => s.coverage));
  return top > 0 ? Math.min(1, Math.sqrt(own / top)) : 1;
}

/**
 * Two moments are different pictures: enough of the picture changed (see DISTINCT_CELLS), or their
 * colours are as far apart as across a cut.
 */
export function isDistinct(a: Sample, b: Sample): boolean {
  return momentDistance(a.features, b.features) > DISTINCT_CELLS || frameDistance(a.features, b.features) >= CUT;
}

function isDistinctFromAll(s: Sample, picks: readonly Pick[]): boolean {
  return picks.every((p) => isDistinct(p.sample, s));
}

/** Two frames are the same look: close in colour and layout, or with nearly the same perceptual hash. */
export function looksAlike(a: Sample, b: Sample): boolean {
  return frameDistance(a.features, b.features) < SAME_LOOK || hammingDistance(a.features.hash, b.features.hash) <= 4;
}

/**
 * Bounds the clustering work on very long videos: keeps the best sample of each of `max` equal time
 * buckets, handing it the coverage of the ones it stands for.
 */
function thin(pool: readonly JudgedSample[], max: number): JudgedSample[] {
  if (pool.length <= max) return [...pool];
  const first = pool[0]!.time;
  const span = Math.max(1e-6, pool.at(-1)!.time - first);
  const buckets = new Map<number, JudgedSample>();
  for (const s of pool) {
    const key = Math.min(max - 1, Math.floor(((s.time - first) / span) * max));
    const held = buckets.get(key);
    if (held === undefined) buckets.set(key, s);
    else {
      const [keep, drop] = representativeValue(s) > representativeValue(held) ? [s, held] : [held, s];
      buckets.set(key, { ...keep, coverage: keep.coverage + drop.coverage });
    }
  }
  return [...buckets.values()];
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
