// The long-running service, wired: the runtime, the HTTP servers (webhooks, health, readiness,
// metrics, dashboard, status page), migrations, the queues and their workers, the job schedulers and the outbox
// listener. The HTTP server is up before migrations run (probes see "starting" and what it waits
// for); on a stop, /ready answers 503 for a drain period before the listener closes, then the
// workers drain. Any number of daemons can share one Postgres and Redis: BullMQ hands each job to
// one worker and the schedulers fire once per slot.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../clock/clock.js';
import type { ConfigWith } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { describeDatabaseError } from '../db/errors.js';
import { databaseReady, migrateToLatest, pingDatabase } from '../db/migrate.js';
import { ServiceError } from '../errors.js';
import { createBasicAuth } from '../http/basic-auth.js';
import { dashboardOffPlugin, dashboardPlugin } from '../http/dashboard.js';
import { createPhase } from '../http/phase.js';
import { buildHttpServer, buildMetricsServer, type ServerTimeouts } from '../http/server.js';
import { loopbackOnly } from '../http/operator-access.js';
import { statusPagePlugin } from '../http/status-page.js';
import { createMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import { sampleGauges } from '../workers/gauges.js';
import { listenForOutbox } from '../workers/outbox-listener.js';
import { markDeadRuns } from '../sync/run-liveness.js';
import { enqueueWebhookGroups } from '../workers/processors.js';
import { createQueues, type Queues } from '../workers/queues.js';
import { keepSchedules, type ScheduleSettings } from '../workers/schedules.js';
import { startWorkers } from '../workers/worker-pool.js';
import { DEFAULT_GRACE_MS } from './grace-period.js';
import { openRuntime, type Runtime } from './runtime.js';
import { readStatusReport } from './status-snapshot.js';

export type DaemonConfig = ConfigWith<
  'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN' | 'INTERCOM_CLIENT_SECRET'
>;

export { DEFAULT_GRACE_MS };

export interface DaemonOptions {
  readonly config: DaemonConfig;
  readonly log?: Logger;
  /** How long in-flight jobs may run on after a stop is asked; then they are cut off (and retried). */
  readonly graceMs?: number;
  readonly host?: string;
  /** Upsert the job schedulers (off in tests that drive jobs by hand). */
  readonly schedule?: boolean;
  readonly concurrency?: { readonly sync?: number; readonly webhooks?: number; readonly syncParts?: number };
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
  /**
   * What "now" is for the lag and age figures in /metrics and /status, the dashboard's lockout
   * window and the drain period. Default the wall clock.
   */
  readonly clock?: Clock;
  /** Called once the HTTP server listens, before migrations run (its URL). */
  readonly onListening?: (url: string) => void;
}

export interface Daemon {
  /** `http://host:port` of the HTTP server. */
  readonly url: string;
  /** `http://host:port` of the metrics server, when METRICS_PORT gave /metrics one of its own. */
  readonly metricsUrl: string | undefined;
  /** Names this daemon's BullMQ workers: the `processedBy` of the jobs it took. */
  readonly workerName: string;
  readonly runtime: Runtime;
  readonly queues: Queues;
  readonly http: FastifyInstance;
  /**
   * Drains (/ready 503 for SHUTDOWN_DRAIN_MS, requests still served), closes the listener, lets
   * jobs finish within the grace period, closes everything. Idempotent: a second call returns the
   * same promise, and with `{ drain: false }` cuts the drain short (a second SIGTERM).
   */
  close(options?: { readonly drain?: boolean }): Promise<void>;
}

/** The daemon could not start for a reason its settings or its host must fix (e.g. the port is taken). */
export class DaemonStartError extends ServiceError {
  override name = 'DaemonStartError';
  constructor(message: string, cause?: unknown) {
    super(message, { permanent: true, cause });
  }
}

async function listenOn(app: FastifyInstance, port: number, host: string, setting: string): Promise<string> {
  try {
    const address = await app.listen({ port, host });
    return address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the address is already in use' : (error as Error).message;
    throw new DaemonStartError(`cannot listen on ${host}:${port} (${setting}): ${reason}.`, error);
  }
}

/** A readiness check's answer, or false when it has none within a second. */
function withinASecond(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
  return Promise.race([check.catch(() => false), late]).finally(() => clearTimeout(timer));
}

/**
 * @example const daemon = await startDaemon({ config }); process.on('SIGTERM', () => void daemon.close());
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '0.0.0.0';
  const runtime = await openRuntime(config, {
    ...(options.log && { log: options.log }),
    name: 'intercom-pg-sync daemon',
    metrics: createMetrics({ now: () => clock.now() }),
  });
  const { log, db, redis, metrics } = runtime;
  // What is open so far, closed in reverse if start-up fails: a failed start must exit, not hang
  // on an open pool or socket.
  const opened: Array<() => Promise<unknown>> = [() => runtime.close()];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
  };

  try {
    const connection: ConnectionOptions = redis;
    const prefix = config.REDIS_PREFIX;
    const queues = createQueues({ connection, prefix });
    opened.push(() => queues.close());
    // Without a listener BullMQ prints connection errors to stderr, outside the JSON log.
    for (const queue of queues.all)
      queue.on('error', (error: Error) => log.warn({ queue: queue.name, err: error.message }, 'queue error'));

    const phase = createPhase({ state: 'starting', waitingFor: 'Postgres' });
    const timeouts: ServerTimeouts = {
      headersMs: config.HTTP_SERVER_HEADERS_TIMEOUT_MS,
      requestMs: config.HTTP_SERVER_REQUEST_TIMEOUT_MS,
    };
    const separateMetrics = config.METRICS_PORT !== undefined;
    // One BasicAuth for the dashboard and /status: they share the lockout.
    const operatorAuth = config.DASHBOARD_PASSWORD
      ? createBasicAuth({
          user: config.DASHBOARD_USER,
          password: config.DASHBOARD_PASSWORD,
          realm: 'intercom-pg-sync',
          maxFailures: config.DASHBOARD_MAX_FAILED_LOGINS,
          lockoutMs: config.DASHBOARD_LOCKOUT_MINUTES * 60_000,
          clock,
        })
      : undefined;
    const dashboard = operatorAuth
      ? dashboardPlugin({
          queues: queues.all,
          allowWrites: config.DASHBOARD_ALLOW_WRITES,
          auth: operatorAuth,
        })
      : dashboardOffPlugin();
    const statusPage = statusPagePlugin({
      read: () => readStatusReport({ db, queues: queues.all, budget: runtime.budget, clock }),
      auth: operatorAuth ?? loopbackOnly(),
    });
    // The webhook route stores deliveries on connections of its own (two: it writes in groups,
    // two at once), so a burst of apply work holding the main pool cannot hold up acknowledgements.
    const webhookDb = createDatabase({
      url: config.DATABASE_URL,
      poolSize: 2,
      applicationName: 'intercom-pg-sync webhooks',
      // Intercom waits 5 s for an answer (docs/intercom-api.md#webhook-delivery): a delivery arriving
      // while Postgres restarts waits up to 3 s for it, then is answered 503 and delivered again.
      reconnectWaitMs: 3_000,
    });
    opened.push(() => webhookDb.destroy());
    const http = await buildHttpServer({
      db: webhookDb,
      log,
      metrics,
      phase,
      timeouts,
      serveMetrics: !separateMetrics,
      metricsToken: config.METRICS_TOKEN,
      clientSecret: config.INTERCOM_CLIENT_SECRET,
      // Real timers, whatever `clock` is: tests that stop the daemon's clock still see webhooks applied.
      enqueue: enqueueWebhookGroups(queues.webhooks, systemClock),
      readyChecks: [
        // Both answer within a second: a statement waits out a Postgres restart (the pool's
        // reconnect wait) and ioredis holds commands while Redis is down, but a probe must hear 503.
        { name: 'postgres', check: () => withinASecond(databaseReady(db)) },
        { name: 'redis', check: () => withinASecond(redis.ping().then((pong) => pong === 'PONG')) },
      ],
      plugins: [dashboard, statusPage],
    });
    opened.push(() => http.close());
    const url = await listenOn(http, config.PORT, host, 'PORT');
    let metricsServer: FastifyInstance | undefined;
    let metricsUrl: string | undefined;
    if (separateMetrics) {
      metricsServer = await buildMetricsServer({ metrics, log, token: config.METRICS_TOKEN, timeouts });
      opened.push(() => metricsServer!.close());
      metricsUrl = await listenOn(metricsServer, config.METRICS_PORT!, host, 'METRICS_PORT');
    }
    log.info(
      { url, metricsUrl, dashboard: Boolean(config.DASHBOARD_PASSWORD) },
      'http server listening; starting',
    );
    options.onListening?.(url);

    await pingDatabase(db).catch((error: unknown) => {
      throw describeDatabaseError(error, config.DATABASE_URL);
    });
    // Another daemon (or the migration Job) may hold the migration lock: this waits for it.
    phase.set({
      state: 'starting',
      waitingFor: 'the database migrations (another process may be running them)',
    });
    await migrateToLatest(db).catch((error: unknown) => {
      throw describeDatabaseError(error, config.DATABASE_URL);
    });
    // Runs a killed process left `running` (docs/resilience.md#crashed-runs).
    await markDeadRuns({ db, log, settings: runtime.settings, clock });

    phase.set({ state: 'starting', waitingFor: 'the workers and schedules' });
    const workerName = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const workers = startWorkers(runtime, queues, {
      connection,
      prefix,
      concurrency: {
        sync: options.concurrency?.sync ?? 2,
        // Webhook jobs are written in groups of up to 100 (sync/webhook-batch.ts): with 64 in flight
        // a backlog drained in groups of ~30 and each delivery cost the daemon ~20% more CPU.
        webhooks: options.concurrency?.webhooks ?? 200,
        push: config.PUSH_CONCURRENCY,
        // Each part reads one partition page by page: this many are in flight per daemon.
        syncParts: options.concurrency?.syncParts ?? runtime.settings.contactConcurrency,
      },
      // A dead daemon's jobs are found (stalled) and taken over within about two lock lengths.
      lockDurationMs: config.JOB_LOCK_MS,
      stalledIntervalMs: config.JOB_LOCK_MS,
      name: workerName,
      webhookSweepAfterMs: options.sweep?.olderThanMs ?? config.SWEEP_EVERY_SECONDS * 1000,
      stuckPushMs: options.sweep?.stuckPushMs ?? config.PUSH_STUCK_SECONDS * 1000,
      pendingPushOlderThanMs: options.sweep?.pendingPushOlderThanMs ?? 5_000,
      pushDelayMs: config.PUSH_COALESCE_MS,
      retention: {
        webhookEventsDays: config.RETAIN_WEBHOOK_EVENTS_DAYS,
        outboxDays: config.RETAIN_OUTBOX_DAYS,
        runsDays: config.RETAIN_RUNS_DAYS,
      },
    });
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    opened.push(() => workers.close(graceMs));
    const scheduleSettings: ScheduleSettings = {
      fullSyncCron: config.FULL_SYNC_CRON,
      incrementalEveryMs: config.INCREMENTAL_EVERY_MINUTES * 60_000,
      sweepEveryMs: options.sweep?.everyMs ?? config.SWEEP_EVERY_SECONDS * 1000,
    };
    const stopSchedules =
      (options.schedule ?? true)
        ? await keepSchedules(
            queues,
            scheduleSettings,
            options.scheduleCheckMs ?? config.SCHEDULE_CHECK_SECONDS * 1000,
            log,
          )
        : () => undefined;
    opened.push(async () => stopSchedules());

    const listener = await listenForOutbox({
      url: config.DATABASE_URL,
      queue: queues.push,
      log,
      delayMs: config.PUSH_COALESCE_MS,
      metrics,
      clock,
    });

    const stopGauges = sampleGauges(
      { queues, db, metrics, log, budget: runtime.budget, now: () => clock.now() },
      options.sampleEveryMs ?? 15_000,
    );
    phase.set({ state: 'running' });
    log.info({ url, prefix, workspace: runtime.settings.workspace }, 'daemon started');

    const drain = new AbortController();
    let closing: Promise<void> | undefined;
    const close = (closeOptions: { readonly drain?: boolean } = {}) => {
      if (closeOptions.drain === false) drain.abort(new Error('drain cut short'));
      return (closing ??= (async () => {
        phase.set({ state: 'draining' });
        if (config.SHUTDOWN_DRAIN_MS > 0 && !drain.signal.aborted) {
          log.info(
            { drainMs: config.SHUTDOWN_DRAIN_MS },
            'stopping: /ready answers 503 while traffic drains away',
          );
          await clock.sleep(config.SHUTDOWN_DRAIN_MS, drain.signal).catch(() => undefined);
        }
        log.info('stopping: no new requests or jobs; in-flight jobs get the grace period');
        stopGauges();
        stopSchedules();
        await http.close();
        await webhookDb.destroy();
        await metricsServer?.close();
        await listener.close();
        await workers.close(graceMs);
        await queues.close();
        await runtime.close();
        log.info('stopped');
      })());
    };
    return { url, metricsUrl, workerName, runtime, queues, http, close };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
