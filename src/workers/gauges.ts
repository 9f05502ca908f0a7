// The gauges that are state, not events (queue depths, each stream's lag), sampled on a timer
// into /metrics.
import type { Clock } from '../clock/clock.js';
import { lastSuccessPerStream } from '../db/status-queries.js';
import type { Executor } from '../db/sync-writes.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Queues } from './queues.js';

export interface GaugeSources {
  readonly queues: Queues;
  readonly db: Executor;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** What "now" is for the lag figures. */
  readonly clock: Clock;
}

/**
 * Samples the gauges every `everyMs`; returns the function that stops it.
 * @example const stop = sampleGauges({ queues, db, metrics, log }, 15_000);
 */
export function sampleGauges(sources: GaugeSources, everyMs: number): () => void {
  const timer = setInterval(() => void sampleOnce(sources), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function sampleOnce({ queues, db, metrics, log, clock }: GaugeSources): Promise<void> {
  try {
    for (const queue of queues.all) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, count] of Object.entries(counts))
        metrics.queueDepth.set({ queue: queue.name, state }, count);
    }
    for (const [stream, at] of await lastSuccessPerStream(db)) {
      metrics.lagSeconds.set({ stream }, Math.max(0, (clock.now() - at.getTime()) / 1000));
    }
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'could not sample queue depths and lag');
  }
}
