// Records that say they were updated in the future are stored as updated now plus the skew margin
// (mappers/future-clock.ts), whichever path read them: full sync, incremental sync or a webhook.
import { systemClock } from '../clock/clock.js';
import { clampUpdatedAt } from '../mappers/future-clock.js';
import type { SyncContext } from './context.js';

/**
 * The latest `updated_at` a record may be stored with, in ms: now plus `futureSkewSeconds`.
 * @example const t = Math.min(updatedAt.getTime(), latestUpdatedAt(ctx));
 */
export function latestUpdatedAt(ctx: Pick<SyncContext, 'clock' | 'settings'>): number {
  return (ctx.clock ?? systemClock).now() + ctx.settings.futureSkewSeconds * 1000;
}

/**
 * `rows` with each future `updated_at` clamped (a new object for those only), each one logged.
 * @example const rows = clampFutureRows(ctx, page.rows);
 */
export function clampFutureRows<
  Row extends { readonly intercom_id: string; readonly updated_at: Date | null },
>(ctx: Pick<SyncContext, 'clock' | 'settings' | 'log'>, rows: readonly Row[]): Row[] {
  const latest = latestUpdatedAt(ctx);
  return rows.map((row) => {
    const clamped = clampUpdatedAt(row, latest);
    if (clamped !== row)
      ctx.log.warn(
        {
          id: row.intercom_id,
          updatedAt: row.updated_at?.toISOString(),
          storedAs: clamped.updated_at?.toISOString(),
        },
        'a record says it was updated in the future; stored as updated now plus the skew margin',
      );
    return clamped;
  });
}
