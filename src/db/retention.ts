// Deletes what the service no longer needs once it is old: webhook events applied or ignored
// (their payloads hold personal data), local changes pushed or superseded, finished runs. In
// small batches, each its own statement, so no table is locked for long and a live writer waits
// at most one batch.
import { sql } from 'kysely';
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
  const repeat = async (deleteBatch: () => Promise<number>): Promise<number> => {
    let total = 0;
    for (let i = 0; i < batches; i++) {
      const n = await deleteBatch();
      total += n;
      if (n < limit) break;
    }
    return total;
  };
  const count = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0);
  const webhookEvents = cutoffs.webhookEvents
    ? await repeat(async () =>
        count(
          await sql`
            delete from intercom_sync.webhook_events where id in (
              select id from intercom_sync.webhook_events
              where received_at < ${cutoffs.webhookEvents} and status in ('applied', 'ignored')
              limit ${limit} for update skip locked)`.execute(db),
        ),
      )
    : 0;
  const outbox = cutoffs.outbox
    ? await repeat(async () =>
        count(
          await sql`
            delete from intercom_sync.outbox where id in (
              select id from intercom_sync.outbox
              where updated_at < ${cutoffs.outbox} and state in ('done', 'superseded')
              limit ${limit} for update skip locked)`.execute(db),
        ),
      )
    : 0;
  const runs = cutoffs.runs
    ? await repeat(async () =>
        count(
          await sql`
            delete from intercom_sync.runs where id in (
              select id from intercom_sync.runs r
              where r.finished_at < ${cutoffs.runs}
                and r.id not in (
                  select distinct on (kind) id from intercom_sync.runs
                  where finished_at is not null order by kind, finished_at desc, id desc)
              limit ${limit} for update skip locked)`.execute(db),
        ),
      )
    : 0;
  return { webhookEvents, outbox, runs };
}
