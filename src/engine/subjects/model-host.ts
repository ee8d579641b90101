import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';
import type { ModelFiles } from './model-files.js';
import type { ModelCall, ModelReply, ModelRequest } from './model-process.js';
import type { FaceLandmarks, FaceModel, FoundFace, FoundText, RgbImage, SubjectModels, TextModel } from './port.js';

export interface ModelHostOptions {
  /**
   * How long a model process stays up after its last request, ms. 0 (the CLI: one video per run) gives its
   * memory back as soon as the video's subject stage is done; Infinity (a worker) loads each model once
   * and keeps it until the host is closed.
   */
  readonly lingerMs: number;
  /** A request that takes longer than this means the model process is stuck: it is stopped. */
  readonly timeoutMs?: number | undefined;
}

type Kind = 'faces' | 'text';
const ENTRY = new URL(`./model-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
/** The last lines a model process printed, kept for the error when it dies. */
const TAIL_LINES = 20;

/**
 * One model in a process of its own, started on the first request (a video with no faces never loads the
 * face mesh; a run with subjects off starts nothing) and stopped `lingerMs` after the last one. Each model
 * process holds 130–170 MB that its runtime never returns: in a process of their own, the two models and
 * the engine's ffmpeg children do not all hold memory at once.
 */
class ModelProcess {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  private tail: string[] = [];
  private holds = 0;

  constructor(private readonly kind: Kind, private readonly files: ModelFiles, private readonly options: ModelHostOptions) {}

  call(request: ModelCall, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(new AppError('aborted', 'cancelled'));
    clearTimeout(this.idle);
    const id = this.nextId++;
    // Registered before the process is up: a caller that gives up while the model loads stops it too.
    const result = new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(new AppError('internal', `the ${this.kind} model did not answer within ${(this.timeout / 1000).toFixed(0)} s`)), this.timeout);
      const onAbort = () => this.stop(new AppError('aborted', 'cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        if (this.pending.size === 0 && this.holds === 0) this.scheduleStop();
      };
      this.pending.set(id, {
        resolve: (value) => { settle(); resolve(value); },
        reject: (error) => { settle(); reject(error); },
      });
    });
    this.start().then(
      (child) => { if (this.pending.has(id)) child.send({ ...request, id } as ModelRequest); },
      (error: Error) => this.pending.get(id)?.reject(error),
    );
    return result;
  }

  /** Keeps the process up until the returned function is called (see SubjectModels.hold). */
  hold(): () => void {
    this.holds++;
    clearTimeout(this.idle);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.pending.size === 0) this.scheduleStop();
    };
  }

  /** Stops the process now; calls in flight fail with `reason`. */
  stop(reason: Error = new AppError('aborted', `the ${this.kind} model was closed`)): void {
    clearTimeout(this.idle);
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    for (const { reject } of [...this.pending.values()]) reject(reason);
    this.pending.clear();
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }

  private get timeout(): number {
    return this.options.timeoutMs ?? 300_000;
  }

  private scheduleStop(): void {
    clearTimeout(this.idle);
    if (this.options.lingerMs <= 0) this.stop();
    // Infinity: up for the life of the host (until close()).
    else if (Number.isFinite(this.options.lingerMs)) this.idle = setTimeout(() => this.stop(), this.options.lingerMs).unref();
  }

  private start(): Promise<ChildProcess> {
    if (this.ready !== undefined && this.child !== undefined) {
      const child = this.child;
      return this.ready.then(() => child);
    }
    this.tail = [];
    // Run from source (tests, tsx) the entry is TypeScript: the child needs the same loader.
    const execArgv = ENTRY.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(fileURLToPath(ENTRY), [this.kind], {
      execArgv, serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, SMARTCOVER_MODEL_FILES: JSON.stringify(this.files) },
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: ModelReply) => {
        if ('ready' in message) return resolve();
        if ('failed' in message) return reject(new AppError('internal', `the ${this.kind} model could not be loaded: ${message.failed}`));
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return;
        if ('error' in message) waiting.reject(new AppError('internal', `the ${this.kind} model failed: ${message.error}`));
        else waiting.resolve(message.result);
      });
      child.on('error', (error) => reject(new AppError('internal', `the ${this.kind} model process could not start: ${error.message}`, { cause: error })));
      child.on('exit', (code, signal) => {
        const why = new AppError('internal', `the ${this.kind} model process exited (${signal ?? `code ${code}`})`, { details: { output: [...this.tail] } });
        reject(why);
        // A process stopped on purpose has been replaced or is no longer wanted: nothing more to do.
        if (this.child === child) this.stop(why);
      });
    });
    const ready = this.ready;
    ready.catch(() => this.stop());
    return ready.then(() => child);
  }
}

/**
 * The subject models, each in its own process (see ModelProcess). One host per process that analyses
 * videos (the CLI run, each worker); jobs running at once share it.
 */
export class ModelHost implements SubjectModels {
  readonly faces: FaceModel;
  readonly text: TextModel;
  private readonly processes: Record<'faces' | 'text', ModelProcess>;

  constructor(files: ModelFiles, options: ModelHostOptions) {
    const faces = new ModelProcess('faces', files, options);
    const text = new ModelProcess('text', files, options);
    this.processes = { faces, text };
    this.faces = {
      detect: async (images: readonly RgbImage[], signal?: AbortSignal) =>
        images.length === 0 ? [] : (await faces.call({ method: 'faces.detect', images }, signal)) as FoundFace[][],
      landmarks: async (images: readonly RgbImage[], signal?: AbortSignal) =>
        images.length === 0 ? [] : (await faces.call({ method: 'faces.landmarks', images }, signal)) as FaceLandmarks[][],
    };
    this.text = {
      detect: async (images: readonly RgbImage[], maxSide: number, signal?: AbortSignal) =>
        images.length === 0 ? [] : (await text.call({ method: 'text.detect', images, maxSide }, signal)) as FoundText[][],
    };
  }

  hold(model: 'faces' | 'text'): () => void {
    return this.processes[model].hold();
  }

  async close(): Promise<void> {
    for (const p of Object.values(this.processes)) p.stop();
  }
}
