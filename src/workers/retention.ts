// The retention half of the sweep: each sweep deletes a bounded number of rows past their age
// (RETAIN_*_DAYS), measured on the injected clock, so a backlog drains over a few sweeps.
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../clock/clock.js';
import type { Database } from '../db/database.js';
import { pruneOldRows, type PrunedCounts, type PruneOptions } from '../db/retention.js';

/** Days each kind of row is kept; 0 keeps it forever. */
export interface RetentionSettings {
  readonly webhookEventsDays: number;
  readonly outboxDays: number;
  readonly runsDays: number;
}

const DAY_MS = 86_400_000;

/**
 * @example const prune = retentionSweep({ db, log }, { webhookEventsDays: 14, outboxDays: 14, runsDays: 30 }); await prune();
 */
export function retentionSweep(
  ctx: { readonly db: Kysely<Database>; readonly log: Logger; readonly clock?: Clock | undefined },
  settings: RetentionSettings,
  options: PruneOptions = {},
): () => Promise<{ pruned: PrunedCounts }> {
  const before = (days: number) =>
    days > 0 ? new Date((ctx.clock ?? systemClock).now() - days * DAY_MS) : undefined;
  return async () => {
    const pruned = await pruneOldRows(
      ctx.db,
      {
        webhookEvents: before(settings.webhookEventsDays),
        outbox: before(settings.outboxDays),
        runs: before(settings.runsDays),
      },
      options,
    );
    if (pruned.webhookEvents + pruned.outbox + pruned.runs > 0) ctx.log.info({ pruned }, 'pruned old rows');
    return { pruned };
  };
}
