import type { Pick } from './select.js';

/**
 * Pure: the stills among more candidates than asked (refined, and scored with what they show), best first
 * within a preference for shots not yet taken: the face close-up wins over the empty corridor, and five
 * moments of one close-up do not push every other shot out. Candidates are distinct pictures already.
 */
export function chooseStills<T extends { readonly pick: Pick; readonly score: number }>(candidates: readonly T[], count: number): T[] {
  const chosen: T[] = [];
  const left = [...candidates];
  while (chosen.length < count && left.length > 0) {
    const shots = new Set(chosen.map((c) => c.pick.sample.shot));
    const fresh = left.filter((c) => !shots.has(c.pick.sample.shot));
    const from = fresh.length > 0 ? fresh : left;
    const best = from.reduce((a, b) => (b.score > a.score ? b : a));
    chosen.push(best);
    left.splice(left.indexOf(best), 1);
  }
  return chosen.sort((a, b) => b.score - a.score);
}
