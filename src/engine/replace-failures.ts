import { better, type RefinedMoment } from './refine.js';
import { isDistinct, type JudgedSample, type Pick } from './select.js';

/** A still that will be rendered: the pick and the frame its window gave. */
export interface Chosen {
  readonly pick: Pick;
  readonly moment: RefinedMoment;
}

/**
 * A pick whose window gave no frame (nothing decodable there), only defective ones (a fade, damage), or
 * a frame that refining brought next to another still's (two windows that met on the same moment) gets,
 * in one more look pass, its look's next-best frame, or else a spare pick. Stillness alone is not reason
 * enough: sensor noise or film grain makes every frame differ a little from the next. Picks still without
 * a good frame of their own are dropped, never rendered from a guess.
 */
export async function replaceFailures(
  picks: readonly Pick[], moments: readonly (RefinedMoment | undefined)[], spares: readonly Pick[],
  refine: (samples: readonly JudgedSample[]) => Promise<(RefinedMoment | undefined)[]>,
): Promise<Chosen[]> {
  const kept: Chosen[] = [];
  const failed: number[] = [];
  picks.forEach((pick, i) => {
    const moment = moments[i];
    if (moment === undefined || moment.defects.length > 0 || !apartFrom(kept, moment)) failed.push(i);
    else kept.push({ pick, moment });
  });
  if (failed.length === 0) return kept;
  const unused = [...spares];
  const keptSamples = [...kept.map((c) => c.pick.sample)];
  const retry = failed.flatMap((i): { i: number; pick: Pick; sample: JudgedSample | undefined }[] => {
    const alternative = picks[i]!.alternatives.find((a) => keptSamples.every((other) => isDistinct(other, a)));
    if (alternative !== undefined) return [{ i, pick: picks[i]!, sample: alternative }];
    const k = unused.findIndex((s) => keptSamples.every((other) => isDistinct(other, s.sample)));
    if (k < 0) return [{ i, pick: picks[i]!, sample: undefined }];
    const [spare] = unused.splice(k, 1);
    keptSamples.push(spare!.sample);
    return [{ i, pick: spare!, sample: spare!.sample }];
  });
  const asked = retry.filter((r) => r.sample !== undefined);
  const second = asked.length > 0 ? await refine(asked.map((r) => r.sample!)) : [];
  for (const r of retry) {
    const k = asked.indexOf(r);
    const first = moments[r.i];
    const usableFirst = first !== undefined && apartFrom(kept, first) ? first : undefined;
    const replacement = k >= 0 && second[k] !== undefined && apartFrom(kept, second[k]!) ? second[k] : undefined;
    const best = better(usableFirst, replacement);
    // A defective frame stays only when it is all this moment has (a dark video's covers say so).
    if (best !== undefined) kept.push({ pick: best === usableFirst ? picks[r.i]! : r.pick, moment: best });
  }
  return kept;
}

/** A refined frame is a different picture from every still kept so far. */
function apartFrom(kept: readonly Chosen[], moment: RefinedMoment): boolean {
  return kept.every((c) => isDistinct(c.moment, moment));
}
