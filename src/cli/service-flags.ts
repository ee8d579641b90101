import { ENGINE_SETTINGS, loadEngineConfig, type EngineConfig } from '../config.js';
import { loadServiceConfig, settingOptions, settingsHelp, type ServiceConfig } from '../service-config.js';
import { AppError, isAppError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

/** A service command's --help: its own description, then every setting and the engine's variables. */
export function serviceUsage(head: string): string {
  return `${head}
Options (each also an environment variable):
${settingsHelp()}
  --no-subjects                rank covers without the face and text models (SMARTCOVER_SUBJECTS=off)
  -h, --help

Engine:
${ENGINE_SETTINGS.map((s) => `  ${s.env.padEnd(34)} ${s.help}`).join('\n')}
`;
}

/** The settings from flags and environment; undefined when --help was asked for (and printed). */
export function serviceFlags(args: readonly string[], io: CliIo, usage: string): { config: ServiceConfig; engine: EngineConfig } | undefined {
  const { values } = parseFlags(args, { ...settingOptions(), 'no-subjects': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values['help'] === true) {
    io.stdout.write(usage);
    return undefined;
  }
  const { 'no-subjects': noSubjects, ...service } = values;
  // Every bad setting at once, the service's and the engine's.
  const settled = [() => loadServiceConfig(io.env, service, io.cwd), () => loadEngineConfig(io.env, { noSubjects: noSubjects === true })].map((load) => {
    try {
      return { value: load() };
    } catch (error) {
      if (!isAppError(error, 'invalid_argument')) throw error;
      return { problem: error.message };
    }
  });
  const problems = settled.flatMap((r) => ('problem' in r ? [r.problem] : []));
  if (problems.length > 0) throw new AppError('invalid_argument', problems.join('; '));
  return { config: settled[0]!.value as ServiceConfig, engine: settled[1]!.value as EngineConfig };
}

/** Resolves when the process is asked to stop (SIGINT/SIGTERM become this abort signal in main.ts). */
export function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
