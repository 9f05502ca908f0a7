// The job processors: thin shells that call src/sync and turn its outcomes into BullMQ's terms
// (permanent failures are UnrecoverableError, so they are not retried).
import { UnrecoverableError, type Job } from 'bullmq';
import type { Queue } from 'bullmq';
import type { SyncContext } from '../sync/context.js';
import { runFullSync, SyncAlreadyRunningError, type FullSyncStream } from '../sync/full-sync.js';
import { runIncrementalSync } from '../sync/incremental-sync.js';
import { applyWebhookEvent, UnappliableWebhookError } from '../sync/webhook-apply.js';
import { pendingWebhookEvents } from '../db/webhook-events.js';
import type { FullSyncJob, IncrementalSyncJob, WebhookJob } from './queues.js';

/** Processes `full` and `incremental` jobs of the sync queue. `signal` aborts on shutdown. */
export function syncProcessor(ctx: SyncContext, signal: AbortSignal) {
  return async (job: Job<FullSyncJob | IncrementalSyncJob>) => {
    if (job.name === 'full') {
      const data = job.data as FullSyncJob;
      try {
        const summary = await runFullSync(ctx, {
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

export function webhookProcessor(ctx: SyncContext) {
  return async (job: Job<WebhookJob>) => {
    try {
      return await applyWebhookEvent(ctx, job.data.eventId);
    } catch (error) {
      if (error instanceof UnappliableWebhookError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

/** Adds a stored event to the webhooks queue; the job id makes a second add a no-op. */
export function enqueueWebhook(queue: Queue<WebhookJob>) {
  return async (eventId: number, notificationId: string): Promise<void> => {
    await queue.add('apply', { eventId, notificationId }, { jobId: `webhook-${eventId}` });
  };
}

/**
 * Re-enqueues what Postgres says is pending, so losing Redis loses nothing (design principle 1).
 */
export function sweeperProcessor(ctx: SyncContext, webhooks: Queue<WebhookJob>) {
  return async () => {
    const pending = await pendingWebhookEvents(ctx.db, 30_000, 1_000);
    const enqueue = enqueueWebhook(webhooks);
    for (const event of pending) await enqueue(event.id, event.notification_id);
    return { webhooks: pending.length };
  };
}
