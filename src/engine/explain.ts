import type { Pick, Selection } from './select.js';

/** Why a still was chosen over its neighbours, in words (see PickReason). */
export function explainPick(pick: Pick, all: readonly Pick[], timeOf: (pick: Pick) => number | undefined): string {
  const reason = pick.reason;
  if (reason.kind === 'best') return 'the best frame of the look that covers most of the video';
  if (reason.kind === 'shot') return 'a different shot';
  const other = all[reason.near];
  const at = other === undefined ? undefined : timeOf(other);
  const where = at === undefined ? 'another still' : `the still at ${at.toFixed(1)} s`;
  return reason.kind === 'look'
    ? `a different view within the same shot as ${where}`
    : `a different moment of the same shot as ${where}, that looks different`;
}

/** Why there are fewer stills than asked, in words a user understands. */
export function explainShortfall(found: number, selection: Selection, frames: number): string {
  const pictures = `${found} distinct picture${found === 1 ? '' : 's'}`;
  const are = found === 1 ? 'is' : 'are';
  const rejected = Object.entries(selection.rejected).filter(([kind, n]) => n > 0 && kind !== 'trimmed').map(([kind]) => kind.replace('_', ' '));
  if (selection.pool === 'relaxed') return `nothing in the video passed the quality filters (${rejected.join(', ')}): it shows only ${pictures}`;
  const filtered = rejected.length > 0 ? ` that ${are} not ${rejected.join(' or ')}` : '';
  return `the video shows only ${pictures}${filtered} in the ${frames} frames looked at`;
}

/** What was wrong with a damaged file, in words. */
export function describeDamage(times: readonly number[], reports: number, stopsAt: number | undefined, duration: number): string {
  const parts: string[] = [];
  if (times.length === 0 && reports > 0) parts.push(`the decoder reported broken data ${reports === 1 ? 'once' : `${reports} times`}`);
  if (times.length > 0) {
    const sorted = [...times].sort((a, b) => a - b);
    const where = sorted[0]!.toFixed(1) === sorted.at(-1)!.toFixed(1) ? `at ${sorted[0]!.toFixed(1)} s` : `between ${sorted[0]!.toFixed(1)} s and ${sorted.at(-1)!.toFixed(1)} s`;
    parts.push(`${times.length} frame${times.length === 1 ? '' : 's'} looked at ${where} could not be decoded cleanly`);
  }
  if (stopsAt !== undefined) parts.push(`its video data stops near ${stopsAt.toFixed(1)} s${Number.isFinite(duration) ? ` of ${duration.toFixed(1)} s` : ''}`);
  return `the file is damaged: ${parts.join(', and ')}; the covers come from the intact parts`;
}
