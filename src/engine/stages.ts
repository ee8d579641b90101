/** The engine's stages, in the order a cover job goes through them (the names metrics use). */
export type EngineStage = 'probe' | 'scan' | 'refine' | 'subjects' | 'render';

/**
 * What progress reports say during each stage (the CLI shows it). One table, so that whoever times the
 * stages from progress reports (the service's metrics) cannot drift from the words the engine uses.
 */
export const STAGE_LABELS = {
  probe: 'probing',
  scan: 'scanning keyframes',
  sample: 'sampling frames',
  refine: 'refining',
  subjects: 'looking for faces and text',
  render: 'rendering',
  done: 'done',
} as const;

const STAGE_OF: ReadonlyMap<string, EngineStage | 'done'> = new Map([
  [STAGE_LABELS.probe, 'probe'], [STAGE_LABELS.scan, 'scan'], [STAGE_LABELS.sample, 'scan'], [STAGE_LABELS.refine, 'refine'],
  [STAGE_LABELS.subjects, 'subjects'], [STAGE_LABELS.render, 'render'], [STAGE_LABELS.done, 'done'],
]);

/**
 * Turns progress reports into the time spent in each stage: `onStage` gets a stage and its seconds when
 * the next one begins (or the run is done). `now` is in milliseconds (performance.now in the service).
 */
export function stageTimer(onStage: (stage: EngineStage, seconds: number) => void, now: () => number): (fraction: number, label: string) => void {
  let current: { stage: EngineStage; since: number } | undefined;
  return (_fraction, label) => {
    const stage = STAGE_OF.get(label);
    if (stage === undefined || stage === current?.stage) return;
    const at = now();
    if (current !== undefined) onStage(current.stage, (at - current.since) / 1000);
    current = stage === 'done' ? undefined : { stage, since: at };
  };
}
