// What an operator watches, read from intercom_sync for the daemon's gauges and the /status page:
// backlogs, failures, open conflicts, each stream's freshness and the recent runs.
import { sql } from 'kysely';
import { lastSuccessPerStream } from './status-queries.js';
import type { Executor } from './sync-writes.js';

export interface OperatorState {
  /** Stream → when its newest successful run finished. */
  readonly lastSuccess: Map<string, Date>;
  readonly outbox: { readonly pending: number; readonly inFlight: number; readonly failed: number };
  /** The oldest local change not pushed yet (pending or in flight). */
  readonly oldestOutboxPending: Date | null;
  readonly webhooks: { readonly received: number; readonly failed: number };
  /** The oldest stored webhook not applied yet. */
  readonly oldestWebhookPending: Date | null;
  readonly openConflicts: number;
}

/**
 * Only the open rows are read (pending, in flight, failed, open): the partial indexes cover them,
 * so this stays cheap however many finished rows the tables hold.
 * @example const state = await operatorState(db); state.outbox.pending;
 */
export async function operatorState(db: Executor): Promise<OperatorState> {
  const [lastSuccess, outbox, webhooks, conflicts] = await Promise.all([
    lastSuccessPerStream(db),
    sql<{ pending: number; in_flight: number; failed: number; oldest: Date | null }>`
      select count(*) filter (where state = 'pending')::int as pending,
             count(*) filter (where state = 'in_flight')::int as in_flight,
             count(*) filter (where state = 'failed')::int as failed,
             min(created_at) filter (where state in ('pending', 'in_flight')) as oldest
      from intercom_sync.outbox where state in ('pending', 'in_flight', 'failed')`.execute(db),
    sql<{ received: number; failed: number; oldest: Date | null }>`
      select count(*) filter (where status = 'received')::int as received,
             count(*) filter (where status = 'failed')::int as failed,
             min(received_at) filter (where status = 'received') as oldest
      from intercom_sync.webhook_events where status in ('received', 'failed')`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from intercom_sync.conflicts where status = 'open'`.execute(
      db,
    ),
  ]);
  const o = outbox.rows[0];
  const w = webhooks.rows[0];
  return {
    lastSuccess,
    outbox: { pending: o?.pending ?? 0, inFlight: o?.in_flight ?? 0, failed: o?.failed ?? 0 },
    oldestOutboxPending: o?.oldest ?? null,
    webhooks: { received: w?.received ?? 0, failed: w?.failed ?? 0 },
    oldestWebhookPending: w?.oldest ?? null,
    openConflicts: conflicts.rows[0]?.n ?? 0,
  };
}

export interface RunRow {
  readonly id: number;
  readonly kind: string;
  readonly trigger: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: string | null;
  /** Summed over the run's streams. */
  readonly fetched: number;
  readonly written: number;
  readonly apiCalls: number;
  readonly rateLimited: number;
}

/**
 * The newest runs, all kinds, with their streams' figures summed.
 * @example const runs = await recentRuns(db, 10);
 */
export async function recentRuns(db: Executor, limit: number): Promise<RunRow[]> {
  const result = await sql<RunRow>`
    select r.id::int as id, r.kind, r.trigger, r.status, r.started_at as "startedAt",
           r.finished_at as "finishedAt", r.error,
           coalesce(sum(s.fetched), 0)::int as fetched,
           coalesce(sum(s.inserted + s.updated + s.deleted), 0)::int as written,
           coalesce(sum(s.api_calls), 0)::int as "apiCalls",
           coalesce(sum(s.rate_limited), 0)::int as "rateLimited"
    from (select * from intercom_sync.runs order by started_at desc, id desc limit ${limit}) r
    left join intercom_sync.run_streams s on s.run_id = r.id
    group by r.id, r.kind, r.trigger, r.status, r.started_at, r.finished_at, r.error
    order by r.started_at desc, r.id desc`.execute(db);
  return result.rows;
}

/**
 * When each stream's successful runs finished since `since`, plus the newest one before it (the
 * lag at `since` counts from there): enough to draw each stream's lag over that span.
 * @example const successes = await successesSince(db, new Date(Date.now() - 86_400_000));
 */
export async function successesSince(db: Executor, since: Date): Promise<Map<string, Date[]>> {
  const result = await sql<{ stream: string; finished_at: Date }>`
    select stream, finished_at from intercom_sync.run_streams
    where status = 'succeeded' and finished_at >= ${since}
    union
    select stream, max(finished_at) from intercom_sync.run_streams
    where status = 'succeeded' and finished_at < ${since} group by stream
    order by stream, finished_at`.execute(db);
  const byStream = new Map<string, Date[]>();
  for (const row of result.rows)
    byStream.set(row.stream, [...(byStream.get(row.stream) ?? []), row.finished_at]);
  return byStream;
}
