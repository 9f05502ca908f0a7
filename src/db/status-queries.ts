// What `status` reads from intercom_sync: run history, watermarks, webhook, outbox and conflict backlogs.
import { sql } from 'kysely';
import { lastStreamRuns, type StreamHistoryRow } from './runs.js';
import { parkedCounts, type ParkedEntity } from './parked-records.js';
import type { Executor } from './sync-writes.js';
import { DEFAULT_RUNS_PER_STREAM } from './runs-per-stream.js';

export interface StreamStatus {
  readonly stream: string;
  /** Newest first. */
  readonly runs: readonly StreamHistoryRow[];
  readonly watermark: Date | null;
  /** When the newest run of this stream that succeeded finished. */
  readonly lastSucceededAt: Date | null;
}

export interface BacklogStatus {
  /** Webhook notifications by status (`received` = waiting to be applied). */
  readonly webhookEvents: Record<string, number>;
  /** Outbox rows by state. */
  readonly outbox: Record<string, number>;
  readonly openConflicts: number;
  /** Records whose local changes are not in Intercom yet, so inbound writes keep their columns (migration 0005). */
  readonly heldRecords: { readonly pending: number; readonly failed: number };
  /** Records a sync could not store, by entity (`failed list` shows each with its reason). */
  readonly parked: Partial<Record<ParkedEntity, number>>;
  /** Oldest row still waiting, so a stuck queue shows how long it has been stuck. */
  readonly oldestPendingWebhook: Date | null;
  readonly oldestPendingOutbox: Date | null;
}

export { DEFAULT_RUNS_PER_STREAM };

/**
 * Per stream: its last `perStream` runs, its watermark and its last success; streams that only
 * have a watermark are listed too.
 * @example const streams = await streamStatus(db, { perStream: 3 });
 */
export async function streamStatus(
  db: Executor,
  options: { perStream?: number } = {},
): Promise<StreamStatus[]> {
  const [history, watermarks, succeededAt] = await Promise.all([
    lastStreamRuns(db, { perStream: options.perStream ?? DEFAULT_RUNS_PER_STREAM }),
    db.selectFrom('intercom_sync.watermarks').select(['stream', 'watermark']).execute(),
    lastSuccessPerStream(db),
  ]);
  const names = [...new Set([...history.map((r) => r.stream), ...watermarks.map((w) => w.stream)])].sort();
  const watermarkOf = new Map(watermarks.map((w) => [w.stream, w.watermark]));
  return names.map((stream) => ({
    stream,
    runs: history.filter((r) => r.stream === stream),
    watermark: watermarkOf.get(stream) ?? null,
    lastSucceededAt: succeededAt.get(stream) ?? null,
  }));
}

/** When each stream last finished a run successfully (for `status` and the lag metric). */
export async function lastSuccessPerStream(db: Executor): Promise<Map<string, Date>> {
  const result = await sql<{ stream: string; finished_at: Date }>`
    select stream, max(finished_at) as finished_at from intercom_sync.run_streams
    where status = 'succeeded' group by stream`.execute(db);
  return new Map(result.rows.map((r) => [r.stream, r.finished_at]));
}

/** @example const { outbox, openConflicts } = await backlogStatus(db); */
export async function backlogStatus(db: Executor): Promise<BacklogStatus> {
  const [webhooks, outbox, conflicts, held, parked] = await Promise.all([
    sql<{ status: string; n: number; oldest: Date | null }>`
      select status, count(*)::int as n, min(received_at) filter (where status = 'received') as oldest
      from intercom_sync.webhook_events group by status`.execute(db),
    sql<{ state: string; n: number; oldest: Date | null }>`
      select state, count(*)::int as n, min(created_at) filter (where state in ('pending', 'in_flight')) as oldest
      from intercom_sync.outbox group by state`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from intercom_sync.conflicts where status = 'open'`.execute(
      db,
    ),
    sql<{ pending: number; failed: number }>`
      select count(*) filter (where state = 'pending')::int as pending,
             count(*) filter (where state = 'failed')::int as failed
      from intercom_sync.local_changes`.execute(db),
    parkedCounts(db),
  ]);
  const oldest = (rows: ReadonlyArray<{ oldest: Date | null }>) =>
    rows.reduce<Date | null>((min, r) => (r.oldest && (!min || r.oldest < min) ? r.oldest : min), null);
  return {
    webhookEvents: Object.fromEntries(webhooks.rows.map((r) => [r.status, r.n])),
    outbox: Object.fromEntries(outbox.rows.map((r) => [r.state, r.n])),
    openConflicts: conflicts.rows[0]?.n ?? 0,
    heldRecords: { pending: held.rows[0]?.pending ?? 0, failed: held.rows[0]?.failed ?? 0 },
    parked,
    oldestPendingWebhook: oldest(webhooks.rows),
    oldestPendingOutbox: oldest(outbox.rows),
  };
}
