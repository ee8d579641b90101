import { AppError, toAppError } from '../errors.js';
import { analyzeCommand } from './analyze-command.js';
import { keysCommand } from './keys-command.js';
import { migrateCommand } from './migrate-command.js';
import { serveCommand } from './serve-command.js';
import { videosCommand } from './videos-command.js';
import { workerCommand } from './worker-command.js';
import type { CliIo } from './cli-io.js';
import { exitCodeFor } from './exit-code.js';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

/** Every subcommand, by name: the table the compiler checks and `--help` lists. */
const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  serve: { run: serveCommand, summary: 'serve the VOD smart-cover API and run its jobs (SQLite and files in --data)' },
  worker: { run: workerCommand, summary: 'run jobs only, next to API processes (serve --no-worker) on PostgreSQL' },
  migrate: { run: migrateCommand, summary: 'create or upgrade the database schema, then exit' },
  analyze: { run: analyzeCommand, summary: 'find the best stills and GIF previews of a video file' },
  keys: { run: keysCommand, summary: 'create, list and disable access keys' },
  videos: { run: videosCommand, summary: 'import a video file for the API' },
};

export const USAGE = `Usage: smartcover <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'smartcover <command> --help' for a command's options and settings.
`;

/**
 * The CLI edge: runs one command and turns any AppError into one line on stderr and an exit code. This is
 * the only place the CLI translates errors.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(USAGE);
    return name === undefined ? 2 : 0;
  }
  try {
    const command = COMMANDS[name];
    if (command === undefined) throw new AppError('invalid_argument', `unknown command '${name}' (try 'smartcover --help')`);
    return await command.run(rest, io);
  } catch (error) {
    const app = toAppError(error);
    const message = app.kind === 'internal' ? `internal error: ${app.message}` : app.message;
    io.stderr.write(`smartcover: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (app.kind === 'internal' && io.env['SMARTCOVER_DEBUG'] !== undefined) io.stderr.write(`${JSON.stringify(app.details)}\n`);
    return exitCodeFor(app.kind);
  }
}
