import type { Kysely } from 'kysely';
import { iso } from './kysely-store.js';
import type { Database } from './schema.js';

interface Pending {
  readonly keyId: string;
  readonly nonce: string;
  readonly expiresAt: string;
  readonly resolve: (fresh: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for replay protection. Every signed request records its nonce durably; one transaction per
 * request costs more than the rest of the request together. Requests that arrive in the same event-loop
 * turn share one multi-row INSERT … ON CONFLICT … RETURNING: a row comes back when the nonce was new (or
 * its old entry had expired), so each request still learns whether it is a replay, and nothing is
 * answered before its nonce is committed.
 */
export class NonceBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxBatch = 500,
  ) {}

  remember(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ keyId, nonce, expiresAt: iso(expiresAt), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush(iso(now)));
      }
    });
  }

  private async flush(now: string): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush(now));
    }
    // The same nonce twice in one batch: only its first request can be fresh.
    const unique = new Map<string, Pending>();
    const duplicates: Pending[] = [];
    for (const p of batch) {
      const id = `${p.keyId}\u0000${p.nonce}`;
      if (unique.has(id)) duplicates.push(p);
      else unique.set(id, p);
    }
    duplicates.forEach((p) => p.resolve(false));
    try {
      const rows = await this.db.insertInto('nonces')
        .values([...unique.values()].map((p) => ({ key_id: p.keyId, nonce: p.nonce, expires_at: p.expiresAt })))
        .onConflict((oc) => oc.columns(['key_id', 'nonce']).doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })).where('nonces.expires_at', '<', now))
        .returning(['key_id', 'nonce'])
        .execute();
      const fresh = new Set(rows.map((r) => `${r.key_id}\u0000${r.nonce}`));
      for (const [id, p] of unique) p.resolve(fresh.has(id));
    } catch (error) {
      for (const p of unique.values()) p.reject(error);
    }
  }
}
