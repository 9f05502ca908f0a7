// The long-running service: workers for every queue, the job schedulers, and the HTTP server
// (webhooks, health, readiness, metrics, dashboard). Any number of daemons can share one Postgres
// and Redis: BullMQ hands each job to one worker and the schedulers fire once per slot.
import { Worker, type ConnectionOptions } from 'bullmq';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../clock/clock.js';
import type { ConfigWith } from '../config/config.js';
import { migrateToLatest, migrationsApplied } from '../db/migrate.js';
import { dashboardPlugin } from '../http/dashboard.js';
import { buildHttpServer } from '../http/server.js';
import { openRuntime, type Runtime } from '../cli/runtime.js';
import type { Logger } from '../observability/logger.js';
import {
  enqueueWebhook,
  outboxSweep,
  pushProcessor,
  sweeperProcessor,
  syncProcessor,
  webhookProcessor,
} from './processors.js';
import { listenForOutbox } from './outbox-listener.js';
import { createQueues, QUEUE_NAMES, type Queues } from './queues.js';
import { lastSuccessPerStream } from '../db/status-queries.js';
import { ensureSchedules, upsertSchedules, type ScheduleSettings } from './schedules.js';

export type DaemonConfig = ConfigWith<
  'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN' | 'INTERCOM_CLIENT_SECRET'
>;

export interface DaemonOptions {
  readonly config: DaemonConfig;
  readonly log?: Logger;
  /** How long in-flight jobs may run on after a stop is asked; then they are cut off (and retried). */
  readonly graceMs?: number;
  readonly host?: string;
  /** Upsert the job schedulers (off in tests that drive jobs by hand). */
  readonly schedule?: boolean;
  readonly dashboard?: { readonly user?: string | undefined; readonly password?: string | undefined };
  readonly concurrency?: { readonly sync?: number; readonly webhooks?: number };
  /**
   * The sweeper: how often it runs and how old a stored, unapplied webhook must be (both 30 s);
   * how old a pending local change must be (5 s) and how long a push may stay in flight (120 s)
   * before it counts as lost.
   */
  readonly sweep?: {
    readonly everyMs?: number;
    readonly olderThanMs?: number;
    readonly pendingPushOlderThanMs?: number;
    readonly stuckPushMs?: number;
  };
  /** How often queue depths and stream lag are sampled into /metrics (15 s). */
  readonly sampleEveryMs?: number;
  /** How often to check the job schedulers still exist in Redis (60 s); missing ones are put back. */
  readonly scheduleCheckMs?: number;
  /** What "now" is for the lag figures in /metrics. Default the wall clock. */
  readonly clock?: Clock;
}

export interface Daemon {
  /** `http://host:port` of the HTTP server. */
  readonly url: string;
  readonly runtime: Runtime;
  readonly queues: Queues;
  readonly http: FastifyInstance;
  /** Stops taking work, lets jobs finish within the grace period, closes everything. Idempotent. */
  close(): Promise<void>;
}

/**
 * @example const daemon = await startDaemon({ config }); process.on('SIGTERM', () => void daemon.close());
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config } = options;
  const runtime = await openRuntime(config, {
    ...(options.log && { log: options.log }),
    name: 'intercom-sync daemon',
  });
  const { log, db, redis, metrics } = runtime;
  await migrateToLatest(db);

  const connection: ConnectionOptions = redis;
  const prefix = config.REDIS_PREFIX;
  const queues = createQueues({ connection, prefix });
  // Without a listener BullMQ prints connection errors to stderr, outside the JSON log.
  for (const queue of [queues.sync, queues.webhooks, queues.push, queues.sweeper])
    queue.on('error', (error: Error) => log.warn({ queue: queue.name, err: error.message }, 'queue error'));
  const stopping = new AbortController();
  const workers = [
    new Worker(QUEUE_NAMES.sync, syncProcessor(runtime, stopping.signal), {
      connection,
      prefix,
      concurrency: options.concurrency?.sync ?? 2,
    }),
    new Worker(QUEUE_NAMES.webhooks, webhookProcessor(runtime), {
      connection,
      prefix,
      // Many at once: concurrent events are written in groups, so this bounds a group, not connections.
      concurrency: options.concurrency?.webhooks ?? 64,
    }),
    new Worker(QUEUE_NAMES.push, pushProcessor(runtime), { connection, prefix, concurrency: config.PUSH_CONCURRENCY }),
    new Worker(QUEUE_NAMES.sweeper, sweepBoth(runtime, queues, options.sweep), {
      connection,
      prefix,
      concurrency: 1,
    }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      log.warn({ queue: worker.name, jobId: job?.id, err: error.message }, 'job failed'),
    );
    worker.on('error', (error) => log.error({ queue: worker.name, err: error }, 'worker error'));
  }
  const scheduleSettings: ScheduleSettings = {
    fullSyncCron: config.FULL_SYNC_CRON,
    incrementalEveryMs: config.INCREMENTAL_EVERY_MINUTES * 60_000,
    sweepEveryMs: options.sweep?.everyMs ?? 30_000,
  };
  let scheduleTimer: NodeJS.Timeout | undefined;
  if (options.schedule ?? true) {
    await upsertSchedules(queues, scheduleSettings);
    // Schedulers live only in Redis: after a FLUSHALL or a restart without persistence, nothing
    // would run again (not even the sweeper that recovers the webhooks) until a daemon restarted.
    scheduleTimer = setInterval(
      () =>
        void ensureSchedules(queues, scheduleSettings).then(
          (restored) => restored && log.warn('job schedulers were missing from Redis; put them back'),
          (error: unknown) => log.warn({ err: (error as Error).message }, 'could not check the job schedulers'),
        ),
      options.scheduleCheckMs ?? 60_000,
    );
    scheduleTimer.unref();
  }

  const listener = await listenForOutbox({
    url: config.DATABASE_URL,
    queue: queues.push,
    log,
    delayMs: config.PUSH_COALESCE_MS,
  });

  const http = await buildHttpServer({
    db,
    log,
    metrics,
    clientSecret: config.INTERCOM_CLIENT_SECRET,
    enqueue: enqueueWebhook(queues.webhooks),
    readyChecks: [
      { name: 'postgres', check: async () => (await sql`select 1`.execute(db), migrationsApplied(db)) },
      {
        name: 'redis',
        check: () =>
          Promise.race([
            redis.ping().then((pong) => pong === 'PONG'),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000)),
          ]),
      },
    ],
    plugins: [
      dashboardPlugin({ queues: [queues.sync, queues.webhooks, queues.push, queues.sweeper], ...options.dashboard }),
    ],
  });
  const address = await http.listen({ port: config.PORT, host: options.host ?? '0.0.0.0' });
  const url = address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');

  const clock = options.clock ?? systemClock;
  const depthTimer = setInterval(() => void reportGauges(queues, runtime, clock), options.sampleEveryMs ?? 15_000);
  depthTimer.unref();
  log.info({ url, prefix, workspace: runtime.settings.workspace }, 'daemon started');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('stopping: no new jobs; in-flight jobs get the grace period');
      clearInterval(depthTimer);
      clearInterval(scheduleTimer);
      await http.close();
      await listener.close();
      const graceful = Promise.all(workers.map((w) => w.close()));
      const graceMs = options.graceMs ?? 30_000;
      const inTime = await Promise.race([graceful.then(() => true), sleep(graceMs).then(() => false)]);
      if (!inTime) {
        // Abort the flows (a full sync stops after its current page and resumes next time) and
        // cut the rest off: their locks lapse and another worker retries them.
        log.warn({ graceMs }, 'grace period over: cutting off the jobs still running');
        stopping.abort(new Error('daemon stopping'));
        await Promise.race([graceful, sleep(5_000)]);
        await Promise.all(workers.map((w) => w.close(true)));
      }
      await queues.close();
      await runtime.close();
      log.info('stopped');
    })());
  return { url, runtime, queues, http, close };
}

/** Samples the gauges that are state, not events: queue depths and each stream's lag. */
async function reportGauges(queues: Queues, runtime: Runtime, clock: Clock): Promise<void> {
  try {
    for (const queue of [queues.sync, queues.webhooks, queues.push, queues.sweeper]) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, count] of Object.entries(counts))
        runtime.metrics.queueDepth.set({ queue: queue.name, state }, count);
    }
    for (const [stream, at] of await lastSuccessPerStream(runtime.db)) {
      runtime.metrics.lagSeconds.set({ stream }, Math.max(0, (clock.now() - at.getTime()) / 1000));
    }
  } catch (error) {
    runtime.log.warn({ err: (error as Error).message }, 'could not sample queue depths and lag');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The sweeper job: stored webhooks not yet applied, and local changes whose push was lost. */
function sweepBoth(runtime: Runtime, queues: Queues, sweep: DaemonOptions['sweep'] = {}) {
  const webhooks = sweeperProcessor(runtime, queues.webhooks, sweep.olderThanMs);
  const outbox = outboxSweep(runtime, queues.push, {
    stuckPushMs: sweep.stuckPushMs ?? 120_000,
    pendingOlderThanMs: sweep.pendingPushOlderThanMs ?? 5_000,
    pushDelayMs: runtime.config.PUSH_COALESCE_MS,
  });
  return async () => ({ ...(await webhooks()), ...(await outbox()) });
}
