/** One thing the process needs to do its work, checked by /readyz: resolves when it is usable. */
export interface ReadinessCheck {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface ReadyReport {
  readonly ready: boolean;
  /** Each check: "ok", or why not (a short message that names no secret). */
  readonly checks: Readonly<Record<string, string>>;
}

/** What /healthz and /readyz answer, on the API port and on the ops listener alike. */
export interface HealthRoutes {
  /** The process answers: nothing is checked (an orchestrator restarts a process that fails this). */
  live(): { readonly status: 'ok' };
  /** Every dependency usable (a load balancer stops sending work while this is not ready). */
  ready(): Promise<ReadyReport>;
}

/**
 * Runs the checks concurrently, each bounded by `timeoutMs` (a database that hangs is as unready as one
 * that refuses). Probes arriving together share one run, and a report is reused for `reuseMs`: a load
 * balancer polling every second, or anyone hammering /readyz, costs one round of checks a second at most.
 */
export class Readiness implements HealthRoutes {
  private latest: { at: number; report: Promise<ReadyReport> } | undefined;

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly options: { timeoutMs: number; reuseMs: number; now?: () => number } = { timeoutMs: 2_000, reuseMs: 1_000 },
  ) {}

  live(): { readonly status: 'ok' } {
    return { status: 'ok' };
  }

  ready(): Promise<ReadyReport> {
    const now = (this.options.now ?? Date.now)();
    if (this.latest !== undefined && now - this.latest.at < this.options.reuseMs) return this.latest.report;
    const report = this.runAll();
    this.latest = { at: now, report };
    return report;
  }

  private async runAll(): Promise<ReadyReport> {
    const results = await Promise.all(this.checks.map(async (check) => [check.name, await this.runOne(check)] as const));
    return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
  }

  private async runOne(check: ReadinessCheck): Promise<string> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      await Promise.race([
        check.run(signal),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), { once: true })),
      ]);
      return 'ok';
    } catch (error) {
      return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!.slice(0, 200);
    }
  }
}
