// Deletes what the service no longer needs once it is old: webhook events applied or ignored
// (their payloads hold personal data), local changes pushed or superseded, finished runs. In
// small batches, each its own statement, so no table is locked for long and a live writer waits
// at most one batch.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from './sync-writes.js';

/** Rows older than these instants go; an absent one keeps its table whole. */
export interface RetentionCutoffs {
  readonly webhookEvents?: Date | undefined;
  readonly outbox?: Date | undefined;
  readonly runs?: Date | undefined;
}

export interface PruneOptions {
  /** Rows per delete (default 1000). */
  readonly batchSize?: number;
  /** Batches per table per call (default 20); the rest waits for the next call. */
  readonly maxBatches?: number;
}

export interface PrunedCounts {
  readonly webhookEvents: number;
  readonly outbox: number;
  readonly runs: number;
}

/**
 * Prunes each table past its cutoff. Events still to be applied or failed, and local changes
 * waiting or failed, are never pruned (they are work, not history); nor is the newest finished run
 * of each kind, which `status` shows.
 * @example await pruneOldRows(db, { webhookEvents: new Date(Date.now() - 14 * 86_400_000) });
 */
export async function pruneOldRows(
  db: Executor,
  cutoffs: RetentionCutoffs,
  options: PruneOptions = {},
): Promise<PrunedCounts> {
  const limit = options.batchSize ?? 1_000;
  const batches = options.maxBatches ?? 20;
  // Deletes up to `limit` rows of `table` (aliased r) that `old` selects, batch after batch, until
  // a batch comes back short or the batches for this call are spent.
  const prune = async (
    table: string,
    cutoff: Date | undefined,
    old: (cutoff: Date) => RawBuilder<unknown>,
  ) => {
    if (!cutoff) return 0;
    let total = 0;
    for (let i = 0; i < batches; i++) {
      const result = await sql`
        delete from ${sql.table(table)} where id in (
          select id from ${sql.table(table)} r where ${old(cutoff)}
          limit ${limit} for update skip locked)`.execute(db);
      const n = Number(result.numAffectedRows ?? 0);
      total += n;
      if (n < limit) break;
    }
    return total;
  };
  const webhookEvents = await prune(
    'intercom_sync.webhook_events',
    cutoffs.webhookEvents,
    (cutoff) => sql`r.received_at < ${cutoff} and r.status in ('applied', 'ignored')`,
  );
  const outbox = await prune(
    'intercom_sync.outbox',
    cutoffs.outbox,
    (cutoff) => sql`r.updated_at < ${cutoff} and r.state in ('done', 'superseded')`,
  );
  const runs = await prune(
    'intercom_sync.runs',
    cutoffs.runs,
    (cutoff) => sql`r.finished_at < ${cutoff} and r.id not in (
      select distinct on (kind) id from intercom_sync.runs
      where finished_at is not null order by kind, finished_at desc, id desc)`,
  );
  return { webhookEvents, outbox, runs };
}
