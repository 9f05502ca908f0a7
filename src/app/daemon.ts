// The long-running service, wired: the runtime, migrations, the queues and their workers, the job
// schedulers, the outbox listener, and the HTTP server (webhooks, health, readiness, metrics,
// dashboard, status page). Any number of daemons can share one Postgres and Redis: BullMQ hands each job to
// one worker and the schedulers fire once per slot.
import type { ConnectionOptions } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../clock/clock.js';
import type { ConfigWith } from '../config/config.js';
import { databaseReady, migrateToLatest } from '../db/migrate.js';
import { dashboardPlugin } from '../http/dashboard.js';
import { operatorAccess } from '../http/operator-access.js';
import { buildHttpServer } from '../http/server.js';
import { statusPagePlugin } from '../http/status-page.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { sampleGauges } from '../workers/gauges.js';
import { listenForOutbox } from '../workers/outbox-listener.js';
import { enqueueWebhook } from '../workers/processors.js';
import { createQueues, type Queues } from '../workers/queues.js';
import { keepSchedules, type ScheduleSettings } from '../workers/schedules.js';
import { startWorkers } from '../workers/worker-pool.js';
import { openRuntime, type Runtime } from './runtime.js';
import { readStatusReport } from './status-snapshot.js';

export type DaemonConfig = ConfigWith<
  'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN' | 'INTERCOM_CLIENT_SECRET'
>;

/** How long in-flight jobs may run on after a stop is asked, unless told otherwise. */
export const DEFAULT_GRACE_MS = 30_000;

export interface DaemonOptions {
  readonly config: DaemonConfig;
  readonly log?: Logger;
  /** How long in-flight jobs may run on after a stop is asked; then they are cut off (and retried). */
  readonly graceMs?: number;
  readonly host?: string;
  /** Upsert the job schedulers (off in tests that drive jobs by hand). */
  readonly schedule?: boolean;
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
  /** What "now" is for the lag and age figures in /metrics and /status. Default the wall clock. */
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
  const clock = options.clock ?? systemClock;
  const runtime = await openRuntime(config, {
    ...(options.log && { log: options.log }),
    name: 'intercom-sync daemon',
    metrics: createMetrics({ now: () => clock.now() }),
  });
  const { log, db, redis, metrics } = runtime;
  await migrateToLatest(db);

  const connection: ConnectionOptions = redis;
  const prefix = config.REDIS_PREFIX;
  const queues = createQueues({ connection, prefix });
  // Without a listener BullMQ prints connection errors to stderr, outside the JSON log.
  for (const queue of queues.all)
    queue.on('error', (error: Error) => log.warn({ queue: queue.name, err: error.message }, 'queue error'));
  const workers = startWorkers(runtime, queues, {
    connection,
    prefix,
    concurrency: {
      sync: options.concurrency?.sync ?? 2,
      webhooks: options.concurrency?.webhooks ?? 64,
      push: config.PUSH_CONCURRENCY,
    },
    webhookSweepAfterMs: options.sweep?.olderThanMs ?? 30_000,
    stuckPushMs: options.sweep?.stuckPushMs ?? 120_000,
    pendingPushOlderThanMs: options.sweep?.pendingPushOlderThanMs ?? 5_000,
    pushDelayMs: config.PUSH_COALESCE_MS,
  });
  const scheduleSettings: ScheduleSettings = {
    fullSyncCron: config.FULL_SYNC_CRON,
    incrementalEveryMs: config.INCREMENTAL_EVERY_MINUTES * 60_000,
    sweepEveryMs: options.sweep?.everyMs ?? 30_000,
  };
  const stopSchedules =
    (options.schedule ?? true)
      ? await keepSchedules(queues, scheduleSettings, options.scheduleCheckMs ?? 60_000, log)
      : () => undefined;

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
      { name: 'postgres', check: () => databaseReady(db) },
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
      dashboardPlugin({
        queues: queues.all,
        user: config.DASHBOARD_USER,
        password: config.DASHBOARD_PASSWORD,
      }),
      statusPagePlugin({
        read: () => readStatusReport({ db, queues: queues.all, budget: runtime.budget, clock }),
        auth: operatorAccess({ user: config.DASHBOARD_USER, password: config.DASHBOARD_PASSWORD }),
      }),
    ],
  });
  const address = await http.listen({ port: config.PORT, host: options.host ?? '0.0.0.0' });
  const url = address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');

  const stopGauges = sampleGauges(
    { queues, db, metrics, log, budget: runtime.budget, now: () => clock.now() },
    options.sampleEveryMs ?? 15_000,
  );
  log.info({ url, prefix, workspace: runtime.settings.workspace }, 'daemon started');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('stopping: no new jobs; in-flight jobs get the grace period');
      stopGauges();
      stopSchedules();
      await http.close();
      await listener.close();
      await workers.close(options.graceMs ?? DEFAULT_GRACE_MS);
      await queues.close();
      await runtime.close();
      log.info('stopped');
    })());
  return { url, runtime, queues, http, close };
}
