import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { scratchDir } from './clips.js';
import { CLI, runCli } from './cli.js';

const require = createRequire(import.meta.url);
// The official clients, as applications use them (CommonJS packages).
const { RPCClient } = require('@alicloud/pop-core') as { RPCClient: new (options: Record<string, unknown>) => PopClient };
const OpenApi = require('@alicloud/openapi-client') as {
  default: new (config: unknown) => { callApi(params: unknown, request: unknown, runtime: unknown): Promise<{ body: Record<string, unknown>; statusCode: number }> };
  Config: new (o: Record<string, unknown>) => unknown;
  Params: new (o: Record<string, unknown>) => unknown;
  OpenApiRequest: new (o: Record<string, unknown>) => unknown;
};
const Util = require('@alicloud/tea-util') as { RuntimeOptions: new (o: Record<string, unknown>) => unknown };

export interface PopClient {
  request(action: string, params: Record<string, unknown>, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface Credentials {
  readonly AccessKeyId: string;
  readonly AccessKeySecret: string;
}

/** The node options the installed `smartcover` command runs with: what its #! line passes after `node`. */
export const SHEBANG_NODE_ARGS: readonly string[] = readFileSync(CLI, 'utf8').split('\n', 1)[0]!.split(/\s+/).slice(3);

/** A `smartcover serve` process on a free loopback port, with its own data directory (and database). */
export class ServerProcess {
  child!: ChildProcess;
  port = 0;
  output = '';
  /** The operations listener (SMARTCOVER_OPS_PORT), when the process was started with one. */
  ops: string | undefined;
  /** Options for node itself, before the CLI: the installed command's own (its #! line), and a benchmark's --cpu-prof. */
  nodeArgs: readonly string[] = SHEBANG_NODE_ARGS;

  constructor(
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
  ) {}

  static async start(env: Record<string, string> = {}, dataDir = mkdtempSync(join(scratchDir(), 'data-'))): Promise<ServerProcess> {
    const server = new ServerProcess(dataDir, env);
    await server.launch();
    return server;
  }

  async launch(): Promise<void> {
    this.child = spawn(process.execPath, [...this.nodeArgs, CLI, 'serve', '--data', this.dataDir, '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, SMARTCOVER_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.port = await new Promise<number>((resolve, reject) => {
      let text = '';
      this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        text += d;
        this.output += d;
        this.ops = opsAddress(text);
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      this.child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${this.output}`)));
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  credentials(): Credentials {
    return JSON.parse(readFileSync(join(this.dataDir, 'credentials'), 'utf8')) as Credentials;
  }

  /** Stops with a signal and resolves with the exit code (null when killed). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.kill(signal);
    });
  }

  /** Runs another CLI command on the same data directory. */
  cli(args: readonly string[]) {
    return runCli([...args, '--data', this.dataDir], { cwd: this.dataDir, env: { ...process.env, ...this.env } });
  }
}

/** A `smartcover worker` process (no API), ready once it says it is running. */
export class WorkerProcess {
  output = '';
  /** The operations listener (SMARTCOVER_OPS_PORT), when the process was started with one. */
  ops: string | undefined;

  private constructor(readonly child: ChildProcess) {}

  static async start(env: Record<string, string>, dataDir = mkdtempSync(join(scratchDir(), 'worker-'))): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [...SHEBANG_NODE_ARGS, CLI, 'worker', '--data', dataDir], { env: { ...process.env, SMARTCOVER_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const worker = new WorkerProcess(child);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (worker.output += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        worker.output += d;
        worker.ops = opsAddress(worker.output);
        if (worker.output.includes('smartcover worker running')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${worker.output}`)));
    });
    return worker;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.kill(signal);
    });
  }
}

/** The operations address a serve or worker process printed (it prints it before its ready line). */
function opsAddress(output: string): string | undefined {
  return /Operations \(health, metrics\) on (http:\/\/\S+)/.exec(output)?.[1];
}

/** pop-core's RPCClient (signature V1), as an application would configure it. */
export function popClient(server: ServerProcess, credentials: Credentials = server.credentials()): PopClient {
  return new RPCClient({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, endpoint: server.endpoint, apiVersion: '2017-03-21', opts: { timeout: 20_000 } });
}

/** The generated SDKs' client: signature V3 by default, or V1 with signatureAlgorithm 'v2'. */
export function openApiClient(server: ServerProcess, signatureAlgorithm?: 'v2', credentials: Credentials = server.credentials()) {
  const client = new OpenApi.default(new OpenApi.Config({
    accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, endpoint: `127.0.0.1:${server.port}`, protocol: 'http',
    ...(signatureAlgorithm === undefined ? {} : { signatureAlgorithm }),
  }));
  return async (action: string, query: Record<string, string>): Promise<Record<string, unknown>> => {
    const params = new OpenApi.Params({ action, version: '2017-03-21', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const response = await client.callApi(params, new OpenApi.OpenApiRequest({ query }), new Util.RuntimeOptions({ readTimeout: 20_000, connectTimeout: 20_000 }));
    return response.body;
  };
}

/** Polls until the job is finished; returns its wire record. */
export async function waitForJob(client: PopClient, jobId: string, timeoutMs = 90_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { AIImageJobList } = (await client.request('GetAIImageJobs', { JobIds: jobId })) as { AIImageJobList: Record<string, string>[] };
    const job = AIImageJobList[0]!;
    if (job['Status'] === 'success' || job['Status'] === 'fail') return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job['Status']}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What a client error carries: the VOD code and the HTTP status. */
export async function rejection(call: Promise<unknown>): Promise<{ code: string; status: number; message: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: string; statusCode?: number; message: string; data?: Record<string, unknown>; entry?: { response?: { statusCode?: number } } };
    return { code: e.code ?? '', status: e.statusCode ?? e.entry?.response?.statusCode ?? 0, message: e.message, data: e.data ?? {} };
  }
  throw new Error('expected the call to fail');
}

export { CLI };
