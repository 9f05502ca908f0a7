// The job processors: thin shells that call src/sync and turn its outcomes into BullMQ's terms
// (permanent failures are UnrecoverableError, so they are not retried).
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Queue } from 'bullmq';
import type { Clock } from '../clock/clock.js';
import { isPermanent } from '../errors.js';
import { groupCommit } from '../group-commit.js';
import type { SyncContext } from '../sync/context.js';
import { runFullSync, SyncAlreadyRunningError, type FullSyncStream } from '../sync/full-sync.js';
import { runIncrementalSync } from '../sync/incremental-sync.js';
import { applyWebhookGroup, webhookApplier } from '../sync/webhook-batch.js';
import { pendingWebhookEvents } from '../db/webhook-events.js';
import { recordsWithPendingChanges, releaseStuckChanges } from '../db/outbox.js';
import type { PushContext } from '../sync/push/context.js';
import { pushRecord, PushRetryError } from '../sync/push/push-record.js';
import { enqueuePush } from './outbox-listener.js';
import type {
  FullSyncJob,
  IncrementalSyncJob,
  PushJob,
  Queues,
  WebhookGroupJob,
  WebhookJob,
  WebhooksQueueJob,
} from './queues.js';
import { runSharedFullSync } from './shared-full-sync.js';

/**
 * Processes `full` and `incremental` jobs of the sync queue. `signal` aborts on shutdown: a job cut
 * off that way goes back to wait without spending an attempt (a rolling restart must not use up
 * the nightly job's retries), and the next daemon resumes its run from the checkpoints.
 */
export function syncProcessor(
  ctx: SyncContext,
  signal: AbortSignal,
  shared?: Pick<Queues, 'syncParts' | 'flows'>,
) {
  return backToWaitOnShutdown(runSyncJob(ctx, signal, shared), signal);
}

/**
 * Wraps a processor so a job cut off by shutdown (`signal`) goes back to wait without spending an
 * attempt; any other failure is thrown as jobError decides.
 * @example new Worker(name, backToWaitOnShutdown(process, stopping.signal));
 */
export function backToWaitOnShutdown<T, R>(process: (job: Job<T>) => Promise<R>, signal: AbortSignal) {
  return async (job: Job<T>, token?: string): Promise<R> => {
    try {
      return await process(job);
    } catch (error) {
      if (!signal.aborted || !token) throw jobError(error);
      await job.moveToWait(token);
      throw new WaitingError();
    }
  };
}

/** What a processor throws for `error`: BullMQ's UnrecoverableError when retrying cannot help (isPermanent). */
function jobError(error: unknown): unknown {
  return isPermanent(error) ? new UnrecoverableError((error as Error).message) : error;
}

function runSyncJob(ctx: SyncContext, signal: AbortSignal, shared?: Pick<Queues, 'syncParts' | 'flows'>) {
  return async (job: Job<FullSyncJob | IncrementalSyncJob>) => {
    if (job.name === 'full') {
      const data = job.data as FullSyncJob;
      try {
        // In a daemon the run is shared out as parts every daemon takes (workers/shared-full-sync.ts).
        const summary = shared
          ? await runSharedFullSync(ctx, shared, data, signal)
          : await runFullSync(ctx, {
              ...(data.only && { only: data.only as FullSyncStream[] }),
              trigger: data.trigger,
              signal,
              onProgress: (p) =>
                void job.updateProgress({ stream: p.stream, done: p.done, total: p.total ?? null }),
            });
        // A stream that failed leaves the run failed; BullMQ retries the job with backoff.
        if (summary.status === 'failed')
          throw new Error(`full sync run ${summary.runId} failed: ${summary.error}`);
        return { runId: summary.runId, resumed: summary.resumed, durationMs: summary.durationMs };
      } catch (error) {
        // Another process is already running the nightly pass: this one has nothing to do.
        if (error instanceof SyncAlreadyRunningError) return { skipped: error.message };
        throw error;
      }
    }
    if (job.name === 'incremental') {
      const summary = await runIncrementalSync(ctx, {
        trigger: (job.data as IncrementalSyncJob).trigger,
        signal,
      });
      if (summary.status === 'failed')
        throw new Error(`incremental sync run ${summary.runId} failed: ${summary.error}`);
      return { runId: summary.runId, watermark: summary.watermark };
    }
    throw new UnrecoverableError(`unknown sync job '${job.name}'`);
  };
}

/**
 * Applies stored webhook events: an `apply-group` job's contact upserts together, and a job of its
 * own (`apply`) for each event the group leaves alone, so each of those is retried and fails on its
 * own; concurrent `apply` jobs are written in groups too (sync/webhook-batch.ts).
 */
export function webhookProcessor(ctx: SyncContext, queue: Queue<WebhooksQueueJob>) {
  const apply = webhookApplier(ctx);
  return async (job: Job<WebhooksQueueJob>) => {
    try {
      if (job.name !== 'apply-group') return await apply((job.data as WebhookJob).eventId);
      const outcome = await applyWebhookGroup(ctx, (job.data as WebhookGroupJob).eventIds);
      if (outcome.missing.length > 0)
        ctx.log.warn(
          { eventIds: outcome.missing },
          'webhook events of a group are not stored; nothing to apply',
        );
      await addWebhookJobs(queue, outcome.alone);
      return { applied: outcome.applied, duplicate: outcome.duplicate, alone: outcome.alone.length };
    } catch (error) {
      throw jobError(error);
    }
  };
}

/** One job per stored event, so a second add of the same event is a no-op (":" is not allowed). */
export const webhookJobId = (eventId: number): string => `webhook-${eventId}`;

/** Adds an `apply` job per event in one Redis call; an event whose job is still there is not added again. */
function addWebhookJobs(queue: Queue<WebhooksQueueJob>, jobs: readonly WebhookJob[]) {
  return queue.addBulk(
    jobs.map((data) => ({ name: 'apply', data, opts: { jobId: webhookJobId(data.eventId) } })),
  );
}

/**
 * Adds a stored event to the webhooks queue as a job of its own; the job id makes a second add a
 * no-op. Events enqueued while an add is in flight go together in one addBulk (one Redis round trip).
 * @example const enqueue = enqueueWebhook(queues.webhooks); await enqueue(event.id, event.notificationId);
 */
export function enqueueWebhook(queue: Queue<WebhooksQueueJob>) {
  const add = groupCommit<WebhookJob, void>(
    async (jobs) => {
      await addWebhookJobs(queue, jobs);
      return jobs.map(() => ({ ok: true as const, value: undefined }));
    },
    { maxBatch: 200, parallel: 2 },
  );
  return (eventId: number, notificationId: string): Promise<void> => add({ eventId, notificationId });
}

/** How long the route's hand-off waits for more stored events to share a job, and how many at most. */
export const WEBHOOK_GROUP = { lingerMs: 20, maxEvents: 100 } as const;

/**
 * The webhook route's hand-off: the events stored within WEBHOOK_GROUP.lingerMs of each other go
 * in one `apply-group` job (one Redis call to add it, one to take it, one to finish it for up to
 * 100 deliveries). Nobody waits on it but the workers: the delivery was acknowledged once stored.
 * @example const enqueue = enqueueWebhookGroups(queues.webhooks, systemClock); await enqueue(id, notificationId);
 */
export function enqueueWebhookGroups(queue: Queue<WebhooksQueueJob>, clock: Clock) {
  const add = groupCommit<WebhookJob, void>(
    async (jobs) => {
      await queue.add('apply-group', { eventIds: jobs.map((j) => j.eventId) });
      return jobs.map(() => ({ ok: true as const, value: undefined }));
    },
    { maxBatch: WEBHOOK_GROUP.maxEvents, parallel: 2, linger: { ms: WEBHOOK_GROUP.lingerMs, clock } },
  );
  return (eventId: number, notificationId: string): Promise<void> => add({ eventId, notificationId });
}

/**
 * Re-enqueues what Postgres says is pending, so losing Redis loses nothing (docs/design.md#principle-1).
 * Only events older than `olderThanMs` (the webhook route enqueues fresh ones itself); a job still
 * in Redis makes the add a no-op, so a young event re-enqueued costs nothing either.
 */
export function sweeperProcessor(ctx: SyncContext, webhooks: Queue<WebhooksQueueJob>, olderThanMs = 30_000) {
  return async () => {
    const pending = await pendingWebhookEvents(ctx.db, olderThanMs, 1_000);
    await webhooks.addBulk(
      pending.map((e) => ({
        name: 'apply',
        data: { eventId: e.id, notificationId: e.notification_id },
        opts: { jobId: webhookJobId(e.id) },
      })),
    );
    return { webhooks: pending.length };
  };
}

/**
 * Pushes one record's local changes. A change that may pass later is back to pending with its own
 * due time: the job waits for exactly that (BullMQ's backoff would come back before it is due,
 * claim nothing and finish, leaving the change to the sweeper).
 */
export function pushProcessor(ctx: PushContext) {
  return async (job: Job<PushJob>, token?: string) => {
    try {
      return await pushRecord(ctx, job.data.entity, job.data.rowId);
    } catch (error) {
      if (!(error instanceof PushRetryError) || !token) throw jobError(error);
      await job.moveToDelayed(Date.now() + error.retryInMs, token);
      throw new DelayedError();
    }
  };
}

export interface OutboxSweepSettings {
  /** A push in flight this long was lost (worker died, Redis flushed): its changes go back to pending. */
  readonly stuckPushMs: number;
  /** Pending changes this old were missed by the listener (fresher ones still have their own job). */
  readonly pendingOlderThanMs: number;
  readonly pushDelayMs: number;
}

/**
 * The outbox half of the sweep: pushes lost with Redis or a dead worker are found in Postgres
 * and enqueued again, so no local change is ever lost (docs/design.md#principle-1).
 */
export function outboxSweep(ctx: SyncContext, push: Queue<PushJob>, settings: OutboxSweepSettings) {
  return async () => {
    const released = await releaseStuckChanges(ctx.db, settings.stuckPushMs);
    const records = await recordsWithPendingChanges(ctx.db, {
      olderThanMs: settings.pendingOlderThanMs,
      limit: 10_000,
    });
    await enqueuePush(
      push,
      records.map((r) => ({ entity: r.entity, rowId: r.row_id })),
      settings.pushDelayMs,
    );
    return { releasedPushes: released, pushes: records.length };
  };
}
