import type { Kysely } from 'kysely';
import { iso } from './kysely-store.js';
import { NonceGroup, nonceId, type NonceLedger, type PendingNonce } from './nonce-ledger.js';
import type { Database } from './schema.js';

/**
 * Replay protection that any number of API processes share (PostgreSQL): the nonces table, keyed by access
 * key and nonce, is the only memory. Each event-loop turn's nonces go in one multi-row INSERT … ON
 * CONFLICT … RETURNING: a row comes back when the nonce was new (or its old entry had expired), so each
 * request still learns whether it is a replay, whichever process saw the nonce first.
 */
export class NonceTable implements NonceLedger {
  private readonly group: NonceGroup;

  constructor(
    private readonly db: Kysely<Database>,
    maxBatch = 500,
  ) {
    this.group = new NonceGroup((batch, now) => this.write(batch, now), maxBatch);
  }

  remember(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return this.group.add(keyId, nonce, expiresAt, now);
  }

  async purge(now: Date): Promise<void> {
    await this.db.deleteFrom('nonces').where('expires_at', '<', iso(now)).execute();
  }

  /** `batch` holds each nonce once (NonceGroup sees to that). */
  private async write(batch: PendingNonce[], now: Date): Promise<void> {
    const rows = await this.db.insertInto('nonces')
      .values(batch.map((p) => ({ key_id: p.keyId, nonce: p.nonce, expires_at: iso(p.expiresAt) })))
      .onConflict((oc) => oc.columns(['key_id', 'nonce']).doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })).where('nonces.expires_at', '<', iso(now)))
      .returning(['key_id', 'nonce'])
      .execute();
    const fresh = new Set(rows.map((r) => nonceId(r.key_id, r.nonce)));
    for (const p of batch) p.resolve(fresh.has(p.id));
  }
}
