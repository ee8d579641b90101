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
export interface PendingNonce {
  readonly keyId: string;
  readonly nonce: string;
  readonly expiresAt: Date;
  readonly resolve: (fresh: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive in the same event-loop turn are written in one statement, and each
 * is answered once that statement has committed. One transaction per request costs more than the rest of
 * the request together.
 */
export class NonceGroup {
  private pending: PendingNonce[] = [];
  private scheduled = false;

  constructor(
    private readonly write: (batch: PendingNonce[], now: Date) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  add(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ keyId, nonce, expiresAt, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush(now));
      }
    });
  }

  private async flush(now: Date): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush(now));
    }
    try {
      await this.write(batch, now);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

/** The identity of a nonce: nonces are per access key. */
export function nonceId(keyId: string, nonce: string): string {
  return `${keyId}\u0000${nonce}`;
}
