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

  private async write(batch: PendingNonce[], now: Date): Promise<void> {
    // The same nonce twice in one batch: only its first request can be fresh.
    const unique = new Map<string, PendingNonce>();
    for (const p of batch) {
      const id = nonceId(p.keyId, p.nonce);
      if (unique.has(id)) p.resolve(false);
      else unique.set(id, p);
    }
    const rows = await this.db.insertInto('nonces')
      .values([...unique.values()].map((p) => ({ key_id: p.keyId, nonce: p.nonce, expires_at: iso(p.expiresAt) })))
      .onConflict((oc) => oc.columns(['key_id', 'nonce']).doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })).where('nonces.expires_at', '<', iso(now)))
      .returning(['key_id', 'nonce'])
      .execute();
    const fresh = new Set(rows.map((r) => nonceId(r.key_id, r.nonce)));
    for (const [id, p] of unique) p.resolve(fresh.has(id));
  }
}
