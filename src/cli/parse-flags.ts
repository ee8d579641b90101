import { parseArgs } from 'node:util';
import { AppError } from '../errors.js';

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * node:util parseArgs, strict, with its complaints ("Unknown option '--x'") turned into the CLI's
 * invalid_argument error so that they end as one line on stderr and exit code 2.
 */
export function parseFlags<T extends Options>(args: readonly string[], options: T, positionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new AppError('invalid_argument', error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error));
  }
}
