import { spawn } from 'node:child_process';
import { AppError } from '../errors.js';
import type { FfmpegBinaries } from './ffmpeg-binaries.js';

export interface RunOptions {
  readonly signal?: AbortSignal | undefined;
  /** Kill the process after this long; defaults to the runner's timeout. */
  readonly timeoutMs?: number | undefined;
  /** When set, stdout is handed over chunk by chunk (and not kept): memory stays flat for raw frame pipes. */
  readonly onStdout?: ((chunk: Buffer) => void) | undefined;
  /** Every complete stderr line, as it arrives (showinfo timestamps, progress). */
  readonly onStderrLine?: ((line: string) => void) | undefined;
}

export interface RunResult {
  /** Empty when onStdout was given. */
  readonly stdout: Buffer;
  /** The last stderr lines, kept for error messages. */
  readonly stderrTail: readonly string[];
}

const STDERR_TAIL_LINES = 40;

/**
 * Kernel limits on every ffmpeg and ffprobe, set with util-linux's prlimit (which then execs the tool):
 * memory (RLIMIT_DATA: the heap and private mappings, not shared libraries), file size (RLIMIT_FSIZE),
 * and CPU time (RLIMIT_CPU, from each call's timeout). A crafted video can then exhaust none of them.
 */
export interface ProcessLimits {
  /** The prlimit executable; without it the tools run with no kernel limits (the timeouts still hold). */
  readonly prlimit: string | undefined;
  readonly memoryBytes: number;
  readonly fileBytes: number;
}

/** CPU-seconds a process may use per second of its timeout: decoders run a few threads. */
const CPU_PER_WALL_SECOND = 2;

/**
 * The only place that spawns ffmpeg and ffprobe. Callers pass argument lists built by the pure functions
 * in ffmpeg-args.ts; this adds the timeout, cancellation, and puts argv and stderr on every error so that a
 * failure can be reproduced from the log alone.
 */
export class FfmpegRunner {
  constructor(
    readonly binaries: FfmpegBinaries,
    private readonly defaultTimeoutMs: number = 10 * 60_000,
    private readonly limits?: ProcessLimits | undefined,
  ) {}

  ffmpeg(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.run(this.binaries.ffmpeg, args, options);
  }

  ffprobe(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.run(this.binaries.ffprobe, args, options);
  }

  private run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const argv = [command, ...args];
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<RunResult>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new AppError('aborted', 'cancelled before ffmpeg started', { details: { argv } }));
        return;
      }
      const limits = this.limits;
      const child = limits?.prlimit === undefined
        ? spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(limits.prlimit, [
          // CPU: SIGXCPU at the soft limit (reported as such), SIGKILL a few seconds later if ignored.
          `--data=${limits.memoryBytes}`, `--fsize=${limits.fileBytes}`, `--cpu=${cpuSeconds(timeoutMs)}:${cpuSeconds(timeoutMs) + 5}`, '--', command, ...args,
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
      const stdoutChunks: Buffer[] = [];
      const tail: string[] = [];
      let partialLine = '';
      let failure: AppError | undefined;
      let settled = false;

      const fail = (error: AppError): void => {
        if (failure === undefined) failure = error;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(
        () => fail(new AppError('internal', `${label(command)} timed out after ${Math.round(timeoutMs / 1000)} s`, { details: { argv, stderr: tail.join('\n') } })),
        timeoutMs,
      );
      const onAbort = (): void => fail(new AppError('aborted', 'cancelled', { details: { argv } }));
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const pushLine = (line: string): void => {
        tail.push(line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
        if (options.onStderrLine !== undefined) {
          try {
            options.onStderrLine(line);
          } catch (error) {
            fail(asInternal(error, argv));
          }
        }
      };

      child.stdout.on('data', (chunk: Buffer) => {
        if (failure !== undefined) return;
        if (options.onStdout === undefined) {
          stdoutChunks.push(chunk);
          return;
        }
        try {
          options.onStdout(chunk);
        } catch (error) {
          fail(asInternal(error, argv));
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        const lines = (partialLine + text).split(/\r?\n|\r/);
        partialLine = lines.pop() ?? '';
        for (const line of lines) if (line !== '') pushLine(line);
      });

      const finish = (error: AppError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error !== undefined) reject(error);
        else resolve({ stdout: Buffer.concat(stdoutChunks), stderrTail: tail });
      };

      child.on('error', (error) => {
        finish(new AppError('unavailable', `cannot start ${command}: ${error.message}`, { cause: error, details: { argv } }));
      });
      child.on('close', (code, signal) => {
        if (partialLine !== '') pushLine(partialLine);
        if (failure !== undefined) return finish(failure);
        if (code === 0) return finish(undefined);
        const last = limitHit(signal, tail) ?? lastMeaningfulLine(tail) ?? `exit code ${code ?? signal}`;
        finish(
          new AppError('internal', `${label(command)} failed: ${last}`, {
            details: { argv, exitCode: code, signal, stderr: tail.join('\n') },
          }),
        );
      });
    });
  }
}

function cpuSeconds(timeoutMs: number): number {
  return Math.ceil((timeoutMs / 1000) * CPU_PER_WALL_SECOND);
}

/** Which kernel limit stopped the process, in words, if one did. */
function limitHit(signal: NodeJS.Signals | null, tail: readonly string[]): string | undefined {
  if (signal === 'SIGXCPU') return 'it used more CPU time than its limit';
  if (signal === 'SIGXFSZ') return 'it wrote a file larger than its limit';
  if (tail.some((line) => /Cannot allocate memory|out of memory|ENOMEM|get_buffer\(\) failed/i.test(line))) return 'it needed more memory than its limit (SMARTCOVER_FFMPEG_MEMORY)';
  return undefined;
}

function label(command: string): string {
  return command.includes('ffprobe') ? 'ffprobe' : 'ffmpeg';
}

function asInternal(error: unknown, argv: readonly string[]): AppError {
  if (error instanceof AppError) return error;
  return new AppError('internal', error instanceof Error ? error.message : String(error), { cause: error, details: { argv } });
}

/** The last stderr line that says what went wrong, without ffmpeg's "[demuxer @ 0x…]" prefix. */
export function lastMeaningfulLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').trim();
    if (line === '' || /^Conversion failed|^Exiting normally/.test(line)) continue;
    return line;
  }
  return undefined;
}
