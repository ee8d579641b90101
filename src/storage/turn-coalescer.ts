interface Group<V> {
  readonly load: () => Promise<V>;
  readonly waiting: { resolve: (value: V) => void; reject: (error: unknown) => void }[];
}

/**
 * Reads asked for with the same key within one event-loop turn share one query, sent when the turn is
 * over. Every caller asked before its query was sent, so each still sees everything committed before it
 * asked; sharing a query already in flight would not promise that (it may have started before a caller's
 * own earlier write was committed). Under load, many requests for one popular answer arrive in the same
 * turn: on PostgreSQL, where answers cannot be cached in one process, they then cost one round trip.
 */
export class TurnCoalescer<V> {
  private groups = new Map<string, Group<V>>();

  /** The value for `key`; `load` is what reads it (the first caller's load is the one that runs). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    return new Promise((resolve, reject) => {
      let group = this.groups.get(key);
      if (group === undefined) {
        if (this.groups.size === 0) setImmediate(() => this.flush());
        group = { load, waiting: [] };
        this.groups.set(key, group);
      }
      group.waiting.push({ resolve, reject });
    });
  }

  private flush(): void {
    const groups = this.groups;
    this.groups = new Map();
    for (const group of groups.values()) {
      group.load().then(
        (value) => group.waiting.forEach((w) => w.resolve(value)),
        (error: unknown) => group.waiting.forEach((w) => w.reject(error)),
      );
    }
  }
}
