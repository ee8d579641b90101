/**
 * Calls made within one event-loop turn, grouped by key, handed over together once the turn is over. The
 * database edge answers many concurrent requests with one statement this way (nonces, rate-limit tokens,
 * cover lists): requests that arrive together are the ones a busy server has, and none waits for more
 * than the turn it arrived in.
 */
export class TurnBatch<T> {
  private groups = new Map<string, T[]>();

  constructor(private readonly run: (key: string, items: T[]) => void) {}

  add(key: string, item: T): void {
    if (this.groups.size === 0) setImmediate(() => this.flush());
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, [item]);
    else group.push(item);
  }

  private flush(): void {
    const groups = this.groups;
    this.groups = new Map();
    for (const [key, items] of groups) this.run(key, items);
  }
}

/** A caller waiting for its part of a batch's answer. */
export interface Waiter<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}
