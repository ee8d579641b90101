import { ENGINE_SETTINGS } from '../config.js';
import { loadServiceConfig, settingOptions, settingsHelp, type ServiceConfig } from '../service-config.js';
import type { CliIo } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

/** A service command's --help: its own description, then every setting and the engine's variables. */
export function serviceUsage(head: string): string {
  return `${head}
Options (each also an environment variable):
${settingsHelp()}
  -h, --help

Engine:
${ENGINE_SETTINGS.map((s) => `  ${s.env.padEnd(34)} ${s.help}`).join('\n')}
`;
}

/** The settings from flags and environment; undefined when --help was asked for (and printed). */
export function serviceFlags(args: readonly string[], io: CliIo, usage: string): ServiceConfig | undefined {
  const { values } = parseFlags(args, { ...settingOptions(), help: { type: 'boolean', short: 'h' } });
  if (values['help'] === true) {
    io.stdout.write(usage);
    return undefined;
  }
  return loadServiceConfig(io.env, values, io.cwd);
}

/** Resolves when the process is asked to stop (SIGINT/SIGTERM become this abort signal in main.ts). */
export function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
