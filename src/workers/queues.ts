// The BullMQ queues and what their jobs carry. Redis only distributes work; every job can be
// rebuilt from Postgres (docs/design.md#principle-1), so losing a queue loses no data.
import type { OutboxEntity } from '../db/outbox.js';
import { FlowProducer, Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

export const QUEUE_NAMES = {
  /** Full and incremental syncs (job names `full`, `incremental`). */
  sync: 'sync',
  /**
   * Stored webhook notifications: `apply-group`, the events the route stored close together (their
   * contact upserts applied at once), and `apply`, one event (job id `webhook-<event id>`: BullMQ
   * forbids ":" in custom ids) — what a group leaves to apply alone, the sweeper's, a retry's.
   */
  webhooks: 'webhooks',
  /** Periodic upkeep: re-enqueue what Postgres says is pending. */
  sweeper: 'sweeper',
  /** One job per record with local changes (job id `push-<entity>-<row id>`), so edits coalesce. */
  push: 'push',
  /**
   * The parts of a full sync any daemon can take: `contacts` (one partition), `companies` (the
   * scroll), and their parent `finish`, run once every part has ended (a BullMQ flow).
   */
  syncParts: 'sync-parts',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface FullSyncJob {
  readonly only?: readonly string[];
  readonly trigger: 'schedule' | 'manual';
}
export interface IncrementalSyncJob {
  readonly trigger: 'schedule' | 'manual';
}
export interface PushJob {
  readonly entity: OutboxEntity;
  readonly rowId: number;
}
export type SyncPartJob =
  | { readonly runId: number; readonly partition: string }
  | { readonly runId: number };
export interface WebhookJob {
  readonly eventId: number;
  readonly notificationId: string;
}
/** Stored events handed off together (job name `apply-group`). */
export interface WebhookGroupJob {
  readonly eventIds: readonly number[];
}
export type WebhooksQueueJob = WebhookJob | WebhookGroupJob;

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // Keep some history for `failed list` and the dashboard, bounded.
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 10_000, age: 14 * 24 * 3600 },
};

export interface Queues {
  readonly sync: Queue<FullSyncJob | IncrementalSyncJob>;
  readonly webhooks: Queue<WebhooksQueueJob>;
  readonly sweeper: Queue<Record<string, never>>;
  readonly push: Queue<PushJob>;
  readonly syncParts: Queue<SyncPartJob>;
  /** Adds a full sync's parts and their parent in one step. */
  readonly flows: FlowProducer;
  /** Every queue, in QUEUE_NAMES order (for listing, counting, the dashboard). */
  readonly all: readonly Queue[];
  close(): Promise<void>;
}

/**
 * @example const queues = createQueues({ connection: redis, prefix: config.REDIS_PREFIX });
 */
export function createQueues(options: { connection: ConnectionOptions; prefix: string }): Queues {
  const make = <T>(name: QueueName) =>
    new Queue<T>(name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
  const sync = make<FullSyncJob | IncrementalSyncJob>(QUEUE_NAMES.sync);
  const webhooks = make<WebhooksQueueJob>(QUEUE_NAMES.webhooks);
  const sweeper = make<Record<string, never>>(QUEUE_NAMES.sweeper);
  // The outbox is the record of a push; a finished job leaves nothing in Redis worth keeping.
  const push = new Queue<PushJob>(QUEUE_NAMES.push, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  // A part's history is its run's checkpoints and figures in Postgres; keep a little for the dashboard.
  const syncParts = new Queue<SyncPartJob>(QUEUE_NAMES.syncParts, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      ...DEFAULT_JOB_OPTIONS,
      removeOnComplete: { count: 2_000, age: 24 * 3600 },
      removeOnFail: { count: 2_000, age: 7 * 24 * 3600 },
    },
  });
  const flows = new FlowProducer({ connection: options.connection, prefix: options.prefix });
  return {
    sync,
    webhooks,
    sweeper,
    push,
    syncParts,
    flows,
    all: [sync, webhooks, sweeper, push, syncParts] as Queue[],
    async close() {
      await Promise.all([sync.close(), webhooks.close(), sweeper.close(), push.close(), syncParts.close(), flows.close()]);
    },
  };
}
