import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Token buckets per access key in the database, so that the limit holds across every API process: one
 * atomic upsert per request refills the bucket for the time elapsed and takes a token only when one is
 * there (the row lock serialises processes taking from the same bucket). PostgreSQL only (LEAST, GREATEST
 * and the casts); the embedded server keeps its buckets in memory, which needs no round trip.
 */
export class SharedRateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token; returns 0 when allowed, else the seconds to wait (at least 1). */
  async take(keyId: string, nowMs: number): Promise<number> {
    if (this.perSecond <= 0) return 0;
    const refilled = sql<number>`LEAST(${this.burst}::double precision, rate_buckets.tokens + GREATEST(0, ${nowMs}::bigint - rate_buckets.at_ms) * ${this.perSecond / 1000}::double precision)`;
    const row = await this.db.insertInto('rate_buckets')
      .values({ key_id: keyId, tokens: this.burst - 1, at_ms: nowMs })
      .onConflict((oc) => oc.column('key_id')
        .doUpdateSet({ tokens: sql`${refilled} - 1`, at_ms: sql`GREATEST(rate_buckets.at_ms, ${nowMs}::bigint)` })
        .where(sql<boolean>`${refilled} >= 1`))
      .returning('tokens')
      .executeTakeFirst();
    return row === undefined ? Math.max(1, Math.ceil(1 / this.perSecond)) : 0;
  }
}
