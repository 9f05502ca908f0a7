// The daemon's BullMQ workers, one per queue, and how they stop: jobs in flight get a grace
// period, then the flows are aborted and the rest cut off (their locks lapse, another worker
// retries them).
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { PushContext } from '../sync/push/context.js';
import {
  backToWaitOnShutdown,
  outboxSweep,
  pushProcessor,
  sweeperProcessor,
  syncProcessor,
  webhookProcessor,
} from './processors.js';
import { QUEUE_NAMES, type Queues } from './queues.js';
import { syncPartProcessor } from './shared-full-sync.js';
import { retentionSweep, type RetentionSettings } from './retention.js';

export interface WorkerSettings {
  readonly connection: ConnectionOptions;
  /** BullMQ's key prefix (REDIS_PREFIX). */
  readonly prefix: string;
  /** Jobs run at once per queue by this process. */
  readonly concurrency: {
    readonly sync: number;
    readonly webhooks: number;
    readonly push: number;
    /** Parts of a shared full sync (contacts partitions, the companies scroll) read at once. */
    readonly syncParts: number;
  };
  /**
   * How long a job's lock lasts without renewal, and how often workers look for jobs whose lock
   * lapsed (their daemon died): such jobs go back to wait for another daemon. BullMQ's 30 s each
   * by default; tests shorten them.
   */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** Names this daemon's workers (a job's `processedBy` in the dashboard). */
  readonly name?: string;
  /** How old a stored, unapplied webhook must be before the sweeper re-enqueues it. */
  readonly webhookSweepAfterMs: number;
  /** A push in flight this long was lost: the sweeper puts its changes back to pending. */
  readonly stuckPushMs: number;
  /** A pending local change this old with no push queued was lost: the sweeper enqueues it. */
  readonly pendingPushOlderThanMs: number;
  /** Delay of the push jobs the sweeper enqueues (PUSH_COALESCE_MS). */
  readonly pushDelayMs: number;
  /** How long old rows are kept (RETAIN_*_DAYS); absent, nothing is pruned. */
  readonly retention?: RetentionSettings;
}

export interface WorkerPool {
  /** Stops taking jobs; jobs still running after `graceMs` are aborted and cut off. */
  close(graceMs: number): Promise<void>;
}

/**
 * @example const workers = startWorkers(runtime, queues, settings); … await workers.close(30_000);
 */
export function startWorkers(ctx: PushContext, queues: Queues, settings: WorkerSettings): WorkerPool {
  const { connection, prefix, concurrency } = settings;
  const stopping = new AbortController();
  const stall = {
    ...(settings.lockDurationMs !== undefined && { lockDuration: settings.lockDurationMs }),
    ...(settings.stalledIntervalMs !== undefined && { stalledInterval: settings.stalledIntervalMs }),
    ...(settings.name !== undefined && { name: settings.name }),
  };
  const workers = [
    new Worker(QUEUE_NAMES.sync, syncProcessor(ctx, stopping.signal, queues), {
      connection,
      prefix,
      concurrency: concurrency.sync,
      ...stall,
    }),
    new Worker(
      QUEUE_NAMES.syncParts,
      backToWaitOnShutdown(syncPartProcessor(ctx, stopping.signal), stopping.signal),
      {
        connection,
        prefix,
        concurrency: concurrency.syncParts,
        ...stall,
      },
    ),
    new Worker(QUEUE_NAMES.webhooks, webhookProcessor(ctx, queues.webhooks), {
      connection,
      prefix,
      // Many at once: concurrent events are written in groups, so this bounds a group, not connections.
      concurrency: concurrency.webhooks,
      ...stall,
    }),
    new Worker(QUEUE_NAMES.push, pushProcessor(ctx), {
      connection,
      prefix,
      concurrency: concurrency.push,
      ...stall,
    }),
    new Worker(QUEUE_NAMES.sweeper, sweepBoth(ctx, queues, settings), {
      connection,
      prefix,
      concurrency: 1,
      ...stall,
    }),
  ];
  for (const worker of workers) {
    const timed = (job: Job | undefined, outcome: 'completed' | 'failed') => {
      if (job?.processedOn && job.finishedOn)
        ctx.metrics?.jobDuration.observe(
          { queue: worker.name, name: job.name, outcome },
          (job.finishedOn - job.processedOn) / 1000,
        );
    };
    worker.on('completed', (job) => timed(job, 'completed'));
    worker.on('failed', (job, error) => {
      timed(job, 'failed');
      ctx.log.warn({ queue: worker.name, jobId: job?.id, err: error.message }, 'job failed');
    });
    worker.on('error', (error) => ctx.log.error({ queue: worker.name, err: error }, 'worker error'));
  }
  return {
    async close(graceMs) {
      // The parts worker closes last: a full sync this daemon is finishing within the grace
      // waits on parts, and they must still be taken (by this daemon too) until it ends.
      const [parts, others] = [workers[1]!, workers.filter((_, i) => i !== 1)];
      const graceful = Promise.all(others.map((w) => w.close())).then(() => parts.close());
      const inTime = await Promise.race([graceful.then(() => true), sleep(graceMs).then(() => false)]);
      if (inTime) return;
      // Abort the flows (a full sync stops after its current page and resumes next time) and
      // cut the rest off: their locks lapse and another worker retries them.
      ctx.log.warn({ graceMs }, 'grace period over: cutting off the jobs still running');
      stopping.abort(new Error('daemon stopping'));
      await Promise.race([graceful, sleep(5_000)]);
      await Promise.all(workers.map((w) => w.close(true)));
    },
  };
}

/** The sweeper job: stored webhooks not yet applied, local changes whose push was lost, and old rows. */
function sweepBoth(ctx: PushContext, queues: Queues, settings: WorkerSettings) {
  const webhooks = sweeperProcessor(ctx, queues.webhooks, settings.webhookSweepAfterMs);
  const outbox = outboxSweep(ctx, queues.push, {
    stuckPushMs: settings.stuckPushMs,
    pendingOlderThanMs: settings.pendingPushOlderThanMs,
    pushDelayMs: settings.pushDelayMs,
  });
  const prune = settings.retention ? retentionSweep(ctx, settings.retention) : async () => ({});
  return async () => ({ ...(await webhooks()), ...(await outbox()), ...(await prune()) });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
