import { TurnBatch, type Waiter } from './turn-batch.js';

/**
 * Replay protection's memory: which (access key, nonce) pairs have been used and until when. The gateway
 * asks `remember` once per signed request; the answer is final only once the nonce is durable, so a nonce
 * accepted before a crash is still refused after it.
 */
export interface NonceLedger {
  /** Records the nonce until `expiresAt`; false when it is still remembered from an earlier request. */
  remember(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Forgets nonces whose window has passed (called periodically). */
  purge(now: Date): Promise<void>;
}

/** One request waiting for its batch to commit. */
export interface PendingNonce extends Waiter<boolean> {
  /** nonceId(keyId, nonce), made once. */
  readonly id: string;
  readonly keyId: string;
  readonly nonce: string;
  readonly expiresAt: Date;
  /** When the request was checked. */
  readonly now: Date;
}

/**
 * Group commit: requests that arrive in the same event-loop turn are written together (at most
 * `maxBatch` a statement), and each is answered once its batch has committed. One transaction per request
 * costs more than the rest of the request together. The same nonce twice in one batch is settled here:
 * only its first request can be fresh, so `write` sees each nonce once.
 */
export class NonceGroup {
  private readonly turn = new TurnBatch<PendingNonce>((_key, pending) => void this.flush(pending));

  constructor(
    private readonly write: (batch: PendingNonce[], now: Date) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  add(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return new Promise((resolve, reject) => this.turn.add('', { id: nonceId(keyId, nonce), keyId, nonce, expiresAt, now, resolve, reject }));
  }

  private async flush(pending: PendingNonce[]): Promise<void> {
    // One clock reading for the whole turn: the first request's.
    const now = pending[0]!.now;
    for (let i = 0; i < pending.length; i += this.maxBatch) {
      const unique = new Map<string, PendingNonce>();
      for (const p of pending.slice(i, i + this.maxBatch)) {
        if (unique.has(p.id)) p.resolve(false);
        else unique.set(p.id, p);
      }
      const batch = [...unique.values()];
      try {
        await this.write(batch, now);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }
}

/** The identity of a nonce: nonces are per access key. */
export function nonceId(keyId: string, nonce: string): string {
  return `${keyId}\u0000${nonce}`;
}
