// Gathers the /status page's figures: freshness, runs, backlogs and conflicts from Postgres; failed
// jobs, queue depths and the rate budget from Redis, which may be down without hiding the rest.
import type { Queue } from 'bullmq';
import type { Clock } from '../clock/clock.js';
import { listConflicts } from '../db/conflicts.js';
import type { Database } from '../db/database.js';
import { operatorState, recentRuns, successesSince } from '../db/operator-state.js';
import { streamStatus } from '../db/status-queries.js';
import type { StatusReport, MaybeUnavailable } from '../http/status-report.js';
import type { RateBudgetState } from '../intercom/rate-budget.js';
import { failedSources, listFailed } from '../workers/failed-jobs.js';
import type { Kysely } from 'kysely';

export interface StatusSources {
  readonly db: Kysely<Database>;
  readonly queues: readonly Queue[];
  readonly budget: { state(): Promise<RateBudgetState> };
  readonly clock: Clock;
}

/** The lag chart spans the last day. */
const CHART_SPAN_MS = 24 * 3_600_000;
const REDIS_TIMEOUT_MS = 2_000;

/**
 * @example const report = await readStatusReport({ db, queues: queues.all, budget, clock });
 */
export async function readStatusReport(sources: StatusSources): Promise<StatusReport> {
  const { db, queues, budget, clock } = sources;
  const now = clock.now();
  const chartFrom = new Date(now - CHART_SPAN_MS);
  const ageOf = (at: Date | null) => (at ? Math.max(0, Math.round((now - at.getTime()) / 1000)) : null);
  const [streams, state, runs, successes, conflicts, failed, rateBudget, depths] = await Promise.all([
    streamStatus(db, { perStream: 1 }),
    operatorState(db),
    recentRuns(db, 10),
    successesSince(db, chartFrom),
    listConflicts(db, { openOnly: true, limit: 10 }),
    fromRedis(async () =>
      (await listFailed(failedSources({ db, queues }), { limit: 20 })).map((item) => ({
        id: item.id,
        name: item.name,
        reason: item.failedReason,
        attempts: item.attemptsMade,
        at: item.timestamp,
      })),
    ),
    fromRedis(async () => {
      const window = await budget.state();
      return {
        limit: window.limit,
        remaining: Math.max(0, window.limit - window.taken),
        windowEndsAt: new Date(window.windowEndMs),
      };
    }),
    fromRedis(async () => {
      const counts: Record<string, Record<string, number>> = {};
      for (const queue of queues)
        counts[queue.name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return counts;
    }),
  ]);
  return {
    generatedAt: new Date(now),
    chartFrom,
    streams: streams.map((s) => {
      const last = s.runs[0];
      return {
        stream: s.stream,
        lastSucceededAt: s.lastSucceededAt,
        lagSeconds: ageOf(s.lastSucceededAt),
        watermark: s.watermark,
        lastRun: last ? { status: last.status, finishedAt: last.finished_at, error: last.error } : null,
        successes: successes.get(s.stream) ?? [],
      };
    }),
    runs,
    outbox: { ...state.outbox, oldestPendingSeconds: ageOf(state.oldestOutboxPending) },
    webhooks: { ...state.webhooks, oldestPendingSeconds: ageOf(state.oldestWebhookPending) },
    failed,
    conflicts: {
      open: state.openConflicts,
      newest: conflicts.map((c) => ({
        id: Number(c.id),
        entity: c.entity,
        field: c.field,
        intercomId: c.intercom_id,
        createdAt: c.created_at,
      })),
    },
    rateBudget,
    queues: depths,
  };
}

/** Redis parts answer within a bound, or say why not: the page must render with Redis down. */
async function fromRedis<T>(read: () => Promise<T>): Promise<MaybeUnavailable<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms`)),
        REDIS_TIMEOUT_MS,
      );
    });
    return { available: true, value: await Promise.race([read(), late]) };
  } catch (error) {
    return { available: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
