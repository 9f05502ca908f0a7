// What failed for good, from every place work is parked: BullMQ's failed set of each queue and
// the webhook events Postgres holds in state 'failed'. `failed list|retry` read and retry them
// here. Each place is one FailedSource in `failedSources`; the outbox's failed rows join as one more.
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { failedWebhookEvents, reopenFailedWebhookEvents } from '../db/webhook-events.js';
import { ServiceError } from '../errors.js';
import { enqueueWebhook, webhookJobId } from './processors.js';
import { QUEUE_NAMES, type PushJob, type WebhookJob, type WebhooksQueueJob } from './queues.js';
import { outboxSource } from './failed-outbox.js';
import { parkedSource } from './failed-parked.js';

export interface FailedItem {
  /** What `failed retry <id>` takes: `<queue>/<job id>` for a job, `webhook/<event id>` for an event. */
  readonly id: string;
  readonly kind: 'job' | 'webhook' | (string & {});
  /** The BullMQ queue (null for rows that live only in Postgres). */
  readonly queue: string | null;
  /** Job name, or the notification's topic. */
  readonly name: string;
  readonly failedReason: string | null;
  readonly attemptsMade: number;
  /** When it failed (jobs), or was received (webhook events: Postgres keeps no failure time). */
  readonly timestamp: string | null;
  /** The id of another item that stands for the same work; listed once, as that item. */
  readonly sameAs?: string;
}

export interface FailedSource {
  /** The part of an id before the first '/', e.g. `webhook` or a queue name. */
  readonly prefix: string;
  list(limit: number): Promise<FailedItem[]>;
  /**
   * Puts these items (ids without the prefix) back to work, in as few round trips as the place
   * allows; returns those that were failed (the others are unknown or already back at work).
   */
  retry(ids: readonly string[]): Promise<string[]>;
}

export interface FailedDeps {
  readonly db: Kysely<Database>;
  /** Every queue whose failed jobs are listed; the webhooks queue is also where events are re-enqueued. */
  readonly queues: readonly Queue[];
}

/**
 * The places failures are parked: each queue's failed jobs, failed webhook events, local
 * changes that failed to push (outbox rows, prefix `outbox`), and records a sync could not
 * store (prefix `parked`).
 * @example const items = await listFailed(failedSources({ db, queues }));
 */
export function failedSources(deps: FailedDeps): FailedSource[] {
  const webhooks = deps.queues.find((q) => q.name === QUEUE_NAMES.webhooks) as Queue<WebhooksQueueJob> | undefined;
  const push = deps.queues.find((q) => q.name === QUEUE_NAMES.push) as Queue<PushJob> | undefined;
  const places = [webhookEventSource(deps.db, webhooks), outboxSource(deps.db, push), parkedSource(deps.db)];
  return [...deps.queues.map((q) => jobSource(q)), ...places];
}

/** Every failed item, newest first; an item that another stands for (`sameAs`) is left out. */
export async function listFailed(
  sources: readonly FailedSource[],
  options: { limit?: number } = {},
): Promise<FailedItem[]> {
  const limit = options.limit ?? 1_000;
  const items = (await Promise.all(sources.map((s) => s.list(limit)))).flat();
  const ids = new Set(items.map((i) => i.id));
  return items
    .filter((i) => !(i.sameAs && ids.has(i.sameAs)))
    .sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? ''))
    .slice(0, limit);
}

/** An id `failed list` never gives out (permanent: the message says what ids look like). */
export class UnknownFailedIdError extends ServiceError {
  override name = 'UnknownFailedIdError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

/**
 * Retries one item by the id `listFailed` gave it. Returns false when it was no longer failed.
 * @example await retryFailed(sources, 'webhook/42');
 */
export async function retryFailed(sources: readonly FailedSource[], id: string): Promise<boolean> {
  const slash = id.indexOf('/');
  const source = slash > 0 ? sources.find((s) => s.prefix === id.slice(0, slash)) : undefined;
  if (!source) {
    const known = sources.map((s) => `${s.prefix}/…`).join(', ');
    throw new UnknownFailedIdError(`'${id}' is not a failed-item id (they look like ${known}).`);
  }
  return (await source.retry([id.slice(slash + 1)])).length > 0;
}

/** Retries everything `listFailed` shows, one batch per source; returns the ids put back to work. */
export async function retryAllFailed(sources: readonly FailedSource[]): Promise<string[]> {
  const items = await listFailed(sources, { limit: 100_000 });
  const retried: string[] = [];
  for (const source of sources) {
    const ids = items.flatMap((i) => (i.id.startsWith(`${source.prefix}/`) ? [i.id.slice(source.prefix.length + 1)] : []));
    if (ids.length === 0) continue;
    for (const id of await source.retry(ids)) retried.push(`${source.prefix}/${id}`);
  }
  return retried;
}

function jobSource(queue: Queue): FailedSource {
  return {
    prefix: queue.name,
    async list(limit) {
      const jobs = await queue.getFailed(0, limit - 1);
      return jobs.flatMap((job) => {
        if (!job?.id) return [];
        const eventId = queue.name === QUEUE_NAMES.webhooks ? (job.data as Partial<WebhookJob>)?.eventId : undefined;
        const item: FailedItem = {
          id: `${queue.name}/${job.id}`,
          kind: 'job',
          queue: queue.name,
          name: job.name,
          failedReason: job.failedReason ?? null,
          attemptsMade: job.attemptsMade,
          timestamp: new Date(job.finishedOn ?? job.timestamp).toISOString(),
          ...(eventId !== undefined && { sameAs: `webhook/${eventId}` }),
        };
        return [item];
      });
    },
    async retry(jobIds) {
      // BullMQ retries a job by id one at a time (retryJobs would take the whole failed set).
      const retried: string[] = [];
      for (const jobId of jobIds) {
        const job = await queue.getJob(jobId);
        if (!job || !(await job.isFailed())) continue;
        await job.retry('failed');
        retried.push(jobId);
      }
      return retried;
    },
  };
}

function webhookEventSource(db: Kysely<Database>, webhooks: Queue<WebhooksQueueJob> | undefined): FailedSource {
  return {
    prefix: 'webhook',
    async list(limit) {
      const rows = await failedWebhookEvents(db, limit);
      return rows.map((row) => ({
        id: `webhook/${row.id}`,
        kind: 'webhook',
        queue: null,
        name: row.topic,
        failedReason: row.error,
        attemptsMade: row.attempts,
        timestamp: row.received_at.toISOString(),
      }));
    },
    async retry(eventIds) {
      const ids = eventIds.map(Number).filter((id) => Number.isSafeInteger(id));
      if (ids.length === 0) return [];
      if (!webhooks) throw new Error('retrying a webhook event needs the webhooks queue');
      const events = await reopenFailedWebhookEvents(db, ids);
      for (const event of events) {
        // The failed job still holds the id `webhook-<id>`, so a plain add would be a no-op.
        const job = await webhooks.getJob(webhookJobId(event.id));
        const state = job ? await job.getState() : 'unknown';
        if (state === 'failed') await job!.retry('failed');
        else if (state === 'completed' || state === 'unknown') {
          if (job) await job.remove();
          await enqueueWebhook(webhooks)(event.id, event.notification_id);
        }
        // Otherwise (waiting, delayed, active) it is on its way already; 'received' lets it apply.
      }
      return events.map((e) => String(e.id));
    },
  };
}
