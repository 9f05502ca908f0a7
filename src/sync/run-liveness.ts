// Tells a live run from one whose process was killed: a running run says it is alive every 20 s
// (its heartbeat), and any run whose heartbeat is older than runStaleMs is marked crashed when
// the next run or the daemon starts, instead of staying `running` forever.
import { systemClock } from '../clock/clock.js';
import { markCrashedRuns, touchRun, type CrashedRun } from '../db/runs.js';
import type { SyncContext } from './context.js';

/** How often a running run renews its heartbeat; runStaleMs must be a few of these. */
export const RUN_HEARTBEAT_MS = 20_000;

/**
 * Renews the run's heartbeat every RUN_HEARTBEAT_MS until the returned function is called. Real
 * timers: the heartbeat is about this process being alive, not about the time a test plays.
 * @example const stop = keepRunAlive(ctx, runId); try { … } finally { stop(); }
 */
export function keepRunAlive(ctx: Pick<SyncContext, 'db' | 'log'>, runId: number): () => void {
  const timer = setInterval(() => {
    touchRun(ctx.db, runId).catch((error: unknown) =>
      ctx.log.warn({ err: (error as Error).message, runId }, 'could not renew the run heartbeat'),
    );
  }, RUN_HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Marks crashed the runs whose heartbeat is older than runStaleMs on the context's clock, and logs them.
 * @example await markDeadRuns(ctx); const runId = await startRun(ctx.db, { kind: 'incremental' });
 */
export async function markDeadRuns(
  ctx: Pick<SyncContext, 'db' | 'log' | 'settings' | 'clock'>,
): Promise<CrashedRun[]> {
  const now = (ctx.clock ?? systemClock).now();
  const crashed = await markCrashedRuns(ctx.db, new Date(now - ctx.settings.runStaleMs));
  if (crashed.length > 0)
    ctx.log.warn(
      { runs: crashed.map((r) => r.id) },
      'marked runs crashed: their process stopped without finishing them',
    );
  return crashed;
}
