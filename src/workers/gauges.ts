// The gauges that are state, not events (queue depths, backlogs, failures, each stream's last
// success, the rate budget), sampled on a timer into /metrics. Postgres and Redis are sampled
// apart, so one being down does not hide the other, and a failed sample shows in
// intercom_sync_state_sample_errors_total while the ages go on growing (docs/runbook.md#metrics).
import { operatorState } from '../db/operator-state.js';
import type { Executor } from '../db/sync-writes.js';
import type { RateBudgetState } from '../intercom/rate-budget.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { QUEUE_NAMES, type Queues } from './queues.js';

export interface GaugeSources {
  readonly queues: Queues;
  readonly db: Executor;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The shared rate budget (its current window); without one the budget gauges stay unset. */
  readonly budget?: { state(): Promise<RateBudgetState> };
  /** "Now" (ms since the epoch) for the sample timestamps. Default Date.now. */
  readonly now?: () => number;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Samples the gauges now and then every `everyMs`; returns the function that stops it.
 * @example const stop = sampleGauges({ queues, db, metrics, log, budget }, 15_000);
 */
export function sampleGauges(sources: GaugeSources, everyMs: number): () => void {
  let running = false;
  const tick = async () => {
    if (running) return; // a slow sample must not pile up behind itself
    running = true;
    await sampleOnce(sources).finally(() => (running = false));
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * One sample of every gauge; never throws (a failure is counted and logged).
 * @example await sampleOnce({ queues, db, metrics, log });
 */
export async function sampleOnce(sources: GaugeSources): Promise<void> {
  await Promise.all([
    attempt(sources, 'postgres', () => samplePostgres(sources)),
    attempt(sources, 'redis', () => sampleRedis(sources)),
  ]);
}

async function attempt(sources: GaugeSources, source: string, sample: () => Promise<void>): Promise<void> {
  const { metrics, log } = sources;
  try {
    await sample();
    metrics.stateSampledTimestamp.set({ source }, (sources.now ?? Date.now)() / 1000);
  } catch (error) {
    metrics.stateSampleErrors.inc({ source });
    log.warn({ source, err: (error as Error).message }, 'could not sample the gauges');
  }
}

async function samplePostgres({ db, metrics }: GaugeSources): Promise<void> {
  const state = await operatorState(db);
  metrics.outboxChanges.set({ state: 'pending' }, state.outbox.pending);
  metrics.outboxChanges.set({ state: 'in_flight' }, state.outbox.inFlight);
  metrics.outboxChanges.set({ state: 'failed' }, state.outbox.failed);
  metrics.webhookEvents.set({ status: 'received' }, state.webhooks.received);
  metrics.webhookEvents.set({ status: 'failed' }, state.webhooks.failed);
  metrics.conflictsOpen.set(state.openConflicts);
  metrics.parkedRecords.set({ place: 'outbox' }, state.outbox.failed);
  metrics.parkedRecords.set({ place: 'webhook_events' }, state.webhooks.failed);
  metrics.sampled.oldestOutboxPendingMs = state.oldestOutboxPending?.getTime() ?? null;
  metrics.sampled.oldestWebhookPendingMs = state.oldestWebhookPending?.getTime() ?? null;
  for (const [stream, at] of state.lastSuccess) {
    metrics.sampled.lastSuccessMs.set(stream, at.getTime());
    metrics.lastSuccessTimestamp.set({ stream }, at.getTime() / 1000);
  }
}

async function sampleRedis({ queues, metrics, budget }: GaugeSources): Promise<void> {
  let failedJobs = 0;
  for (const queue of queues.all) {
    const counts = await queue.getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES)
      metrics.queueDepth.set({ queue: queue.name, state }, counts[state] ?? 0);
    // A failed webhook job is the same work as its failed event, already counted from Postgres.
    if (queue.name !== QUEUE_NAMES.webhooks) failedJobs += counts.failed ?? 0;
  }
  metrics.parkedRecords.set({ place: 'jobs' }, failedJobs);
  if (budget) {
    const window = await budget.state();
    metrics.rateBudgetLimit.set(window.limit);
    metrics.rateBudgetRemaining.set(Math.max(0, window.limit - window.taken));
  }
}
