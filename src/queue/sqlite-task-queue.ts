import { sql, type Kysely } from 'kysely';
import type { Clock, Task, TaskQueue } from '../covers/ports.js';
import { iso } from '../storage/kysely-store.js';
import type { Database } from '../storage/schema.js';
import { localProcesses, type ProcessOwners } from './process-owners.js';
import type { ClaimedTask, QueueStats, TaskSource } from './task-source.js';

/**
 * The embedded durable queue: a table in the same SQLite file. A claim is one UPDATE … RETURNING, so two
 * worker loops never take the same task; an expired lease (a crashed worker) makes a task claimable again.
 * A claim records its process (`owners.self`): recoverAfterCrash tells a dead owner from a live one.
 */
export class SqliteTaskQueue implements TaskQueue, TaskSource {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly owners: ProcessOwners = localProcesses,
  ) {}

  async enqueue(task: Task, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    const now = this.clock.now();
    await this.db.insertInto('tasks').values({
      kind: task.kind, payload: JSON.stringify(task), dedupe_key: options.dedupeKey ?? null, state: 'queued',
      run_at: iso(new Date(now.getTime() + (options.delayMs ?? 0))), attempts: 0, max_attempts: 0, lease_until: null, last_error: '',
      created_at: iso(now),
        // The predicate must be the index's own text: SQLite matches a partial index only to a literal WHERE.
    }).onConflict((oc) => oc.column('dedupe_key').where(sql<boolean>`state IN ('queued', 'active')`).doNothing()).execute();
  }

  async claim(leaseMs: number): Promise<ClaimedTask | undefined> {
    const now = iso(this.clock.now());
    const until = iso(new Date(this.clock.now().getTime() + leaseMs));
    const row = await this.db.updateTable('tasks')
      .set((eb) => ({ state: 'active', attempts: eb('attempts', '+', 1), lease_until: until, owner: this.owners.self }))
      .where('id', '=', (eb) => eb.selectFrom('tasks').select('id')
        .where((w) => w.or([
          w.and([w('state', '=', 'queued'), w('run_at', '<=', now)]),
          w.and([w('state', '=', 'active'), w('lease_until', '<', now)]),
        ]))
        .orderBy('run_at').orderBy('id').limit(1))
      .returning(['id', 'payload', 'attempts'])
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { id: String(row.id), task: JSON.parse(row.payload) as Task, attempt: row.attempts };
  }

  async extendLease(id: string, leaseMs: number): Promise<void> {
    await this.db.updateTable('tasks').set({ lease_until: iso(new Date(this.clock.now().getTime() + leaseMs)) }).where('id', '=', Number(id)).execute();
  }

  async complete(id: string): Promise<void> {
    await this.db.deleteFrom('tasks').where('id', '=', Number(id)).execute();
  }

  async retry(id: string, error: string, delayMs: number): Promise<void> {
    await this.db.updateTable('tasks')
      .set({ state: 'queued', run_at: iso(new Date(this.clock.now().getTime() + delayMs)), lease_until: null, last_error: error.slice(0, 2000) })
      .where('id', '=', Number(id)).execute();
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.updateTable('tasks').set({ state: 'failed', lease_until: null, last_error: error.slice(0, 2000) }).where('id', '=', Number(id)).execute();
  }

  async release(id: string): Promise<void> {
    await this.db.updateTable('tasks').set((eb) => ({ state: 'queued', lease_until: null, attempts: eb('attempts', '-', 1) })).where('id', '=', Number(id)).execute();
  }

  /**
   * At start of the embedded server: a task still marked active whose process has exited was running when
   * that process died, and goes back to the queue at once instead of waiting for its lease. A task whose
   * process still runs (another `serve` or a `worker` on the same data directory) is left to it.
   */
  async recoverAfterCrash(): Promise<number> {
    const active = await this.db.selectFrom('tasks').select(['id', 'owner']).where('state', '=', 'active').execute();
    const orphaned = active.filter((t) => t.owner === null || !this.owners.isRunning(t.owner)).map((t) => t.id);
    if (orphaned.length === 0) return 0;
    const result = await this.db.updateTable('tasks').set({ state: 'queued', lease_until: null, owner: null })
      .where('state', '=', 'active').where('id', 'in', orphaned).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The queue lives in the store's connection, which the store closes. */
  async close(): Promise<void> {}

  /** How many tasks are waiting or running (for shutdown and tests). */
  async pending(): Promise<number> {
    const row = await this.db.selectFrom('tasks').select(sql<number>`count(*)`.as('n')).where('state', 'in', ['queued', 'active']).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** A task is waiting once its run_at has passed: a retry's backoff is not time spent waiting for a worker. */
  async stats(): Promise<QueueStats> {
    const now = this.clock.now();
    const at = iso(now);
    const row = await this.db.selectFrom('tasks')
      .select([
        sql<number | null>`sum(state = 'queued' and run_at <= ${at})`.as('waiting'),
        sql<number | null>`sum(state = 'active')`.as('running'),
        sql<number | null>`sum(state = 'queued' and run_at > ${at})`.as('delayed'),
        sql<string | null>`min(case when state = 'queued' and run_at <= ${at} then run_at end)`.as('oldest'),
      ])
      .where('state', 'in', ['queued', 'active']).executeTakeFirst();
    const oldest = row?.oldest == null ? 0 : Math.max(0, (now.getTime() - Date.parse(row.oldest)) / 1000);
    return { waiting: Number(row?.waiting ?? 0), running: Number(row?.running ?? 0), delayed: Number(row?.delayed ?? 0), oldestWaitingSeconds: oldest };
  }
}
