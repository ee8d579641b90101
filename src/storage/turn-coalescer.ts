import { TurnBatch, type Waiter } from './turn-batch.js';

interface Read<V> extends Waiter<V> {
  readonly load: () => Promise<V>;
}

/**
 * Reads asked for with the same key within one event-loop turn share one query, sent when the turn is
 * over. Every caller asked before its query was sent, so each still sees everything committed before it
 * asked; sharing a query already in flight would not promise that (it may have started before a caller's
 * own earlier write was committed). Under load, many requests for one popular answer arrive in the same
 * turn: on PostgreSQL, where answers cannot be cached in one process, they then cost one round trip.
 */
export class TurnCoalescer<V> {
  private readonly reads = new TurnBatch<Read<V>>((_key, reads) => {
    reads[0]!.load().then(
      (value) => reads.forEach((r) => r.resolve(value)),
      (error: unknown) => reads.forEach((r) => r.reject(error)),
    );
  });

  /** The value for `key`; `load` is what reads it (the first caller's load is the one that runs). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    return new Promise((resolve, reject) => this.reads.add(key, { load, resolve, reject }));
  }
}
