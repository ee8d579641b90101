/**
 * Failed console sign-ins, counted per AccessKey ID and per client address over a sliding window: past
 * the limit, further attempts are refused until the oldest failure leaves the window. Pure and in memory
 * (the clock is an argument): each API process counts its own, which with access key secrets of ~178
 * bits is a brake on guessing and on noise in the logs, not the only thing between a guesser and a key.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 5 * 60_000,
    /** Entries kept at most (old ones are dropped first): memory stays bounded whatever is sent. */
    private readonly maxEntries = 10_000,
  ) {}

  /** Milliseconds until an attempt for these names is allowed again; 0 when it is allowed now. */
  waitMs(names: readonly string[], nowMs: number): number {
    let wait = 0;
    for (const name of names) {
      const recent = this.recent(name, nowMs);
      if (recent.length >= this.limit) wait = Math.max(wait, recent[0]! + this.windowMs - nowMs);
    }
    return wait;
  }

  fail(names: readonly string[], nowMs: number): void {
    for (const name of names) {
      const recent = this.recent(name, nowMs);
      recent.push(nowMs);
      this.failures.delete(name);
      this.failures.set(name, recent.slice(-this.limit));
    }
    while (this.failures.size > this.maxEntries) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A success clears the key's count (not the address's: one right key does not excuse other guesses). */
  succeed(name: string): void {
    this.failures.delete(name);
  }

  private recent(name: string, nowMs: number): number[] {
    return (this.failures.get(name) ?? []).filter((t) => t > nowMs - this.windowMs);
  }
}
