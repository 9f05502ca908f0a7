// The Prometheus metrics every part of the service reports into, one registry per process. Names
// follow Prometheus' conventions (docs/runbook.md#metrics): base units in the name, `_total`
// on counters, histograms for durations, and Node's default process metrics without a prefix so
// stock dashboards find them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the sampled state is kept between samples; ages are computed from it at scrape time. */
export interface SampledTimes {
  /** Stream → when its newest successful run finished (ms since the epoch). */
  readonly lastSuccessMs: Map<string, number>;
  /** When the oldest local change still waiting to be pushed was made; null when none waits. */
  oldestOutboxPendingMs: number | null;
  /** When the oldest stored webhook not yet applied arrived; null when none waits. */
  oldestWebhookPendingMs: number | null;
}

export interface Metrics {
  readonly registry: Registry;
  readonly apiRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly rateLimited: Counter;
  readonly rateLimitRemaining: Gauge;
  readonly rateBudgetRemaining: Gauge;
  readonly rateBudgetLimit: Gauge;
  readonly recordsSynced: Counter<'entity' | 'operation'>;
  readonly webhooks: Counter<'outcome'>;
  readonly webhookAckDuration: Histogram<'status'>;
  readonly webhookApplyDelay: Histogram;
  readonly pushDelay: Histogram<'entity'>;
  readonly jobDuration: Histogram<'queue' | 'name' | 'outcome'>;
  readonly runs: Counter<'kind' | 'outcome'>;
  readonly queueDepth: Gauge<'queue' | 'state'>;
  readonly outboxListenerConnected: Gauge;
  readonly outboxChanges: Gauge<'state'>;
  readonly webhookEvents: Gauge<'status'>;
  readonly conflictsOpen: Gauge;
  readonly parkedRecords: Gauge<'place'>;
  readonly lastSuccessTimestamp: Gauge<'stream'>;
  readonly stateSampledTimestamp: Gauge<'source'>;
  readonly stateSampleErrors: Counter<'source'>;
  /** Filled by the sampler (workers/gauges.ts); read by the age and lag gauges at scrape time. */
  readonly sampled: SampledTimes;
}

export interface MetricsOptions {
  /** Node's default process metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …). Default true. */
  readonly defaults?: boolean;
  /** "Now" for the age and lag gauges (ms since the epoch). Default Date.now; tests pass a shifted clock. */
  readonly now?: () => number;
}

/** Durations of one API call: most are tens of milliseconds, a slow search a few seconds. */
const API_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Jobs run from milliseconds (a webhook) to hours (a first full sync of a large workspace). */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400];
/** Intercom gives up on a delivery after 5 s (docs/intercom-api.md#webhook-delivery). */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** From a change on one side to the other side having it: seconds normally, minutes when backed up. */
const DELAY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/**
 * A fresh registry with the service's metrics (and Node's defaults unless `defaults` is false).
 * @example const metrics = createMetrics(); metrics.webhooks.inc({ outcome: 'received' });
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const now = options.now ?? Date.now;
  const sampled: SampledTimes = {
    lastSuccessMs: new Map(),
    oldestOutboxPendingMs: null,
    oldestWebhookPendingMs: null,
  };
  const ageSeconds = (since: number | null) => (since === null ? 0 : Math.max(0, (now() - since) / 1000));
  registerAgeGauges(registers, sampled, ageSeconds);

  return {
    registry,
    sampled,
    apiRequestDuration: new Histogram({
      name: 'intercom_sync_api_request_duration_seconds',
      help: 'Intercom API calls by method, route template and HTTP status (network_error or timeout when no response came)',
      labelNames: ['method', 'route', 'status'],
      buckets: API_BUCKETS,
      registers,
    }),
    rateLimited: new Counter({
      name: 'intercom_sync_rate_limited_total',
      help: 'Intercom API responses with status 429 (rate limit exceeded)',
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: 'intercom_sync_rate_limit_remaining',
      help: 'X-RateLimit-Remaining of the latest Intercom API response',
      registers,
    }),
    rateBudgetRemaining: new Gauge({
      name: 'intercom_sync_rate_budget_remaining',
      help: 'Requests left in the current rate-limit window of the budget every process shares (sampled)',
      registers,
    }),
    rateBudgetLimit: new Gauge({
      name: 'intercom_sync_rate_budget_limit',
      help: 'Requests allowed per rate-limit window, as Intercom last announced it (sampled)',
      registers,
    }),
    recordsSynced: new Counter({
      name: 'intercom_sync_records_total',
      help: 'Records written by the sync, by entity and operation (inserted, updated, deleted, pushed, superseded, failed)',
      labelNames: ['entity', 'operation'],
      registers,
    }),
    webhooks: new Counter({
      name: 'intercom_sync_webhooks_total',
      help: 'Webhook notifications by outcome (received, duplicate, rejected, applied, ignored, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    webhookAckDuration: new Histogram({
      name: 'intercom_sync_webhook_ack_duration_seconds',
      help: 'Time from a webhook request arriving to its answer, by HTTP status',
      labelNames: ['status'],
      buckets: ACK_BUCKETS,
      registers,
    }),
    webhookApplyDelay: new Histogram({
      name: 'intercom_sync_webhook_apply_delay_seconds',
      help: 'Time from a webhook notification being stored to its change being committed to the mirror',
      buckets: DELAY_BUCKETS,
      registers,
    }),
    pushDelay: new Histogram({
      name: 'intercom_sync_push_delay_seconds',
      help: 'Time from a local change being written in Postgres to Intercom having it, by entity',
      labelNames: ['entity'],
      buckets: DELAY_BUCKETS,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'intercom_sync_job_duration_seconds',
      help: 'Time each job attempt ran, by queue, job name and outcome (completed, failed)',
      labelNames: ['queue', 'name', 'outcome'],
      buckets: JOB_BUCKETS,
      registers,
    }),
    runs: new Counter({
      name: 'intercom_sync_runs_total',
      help: 'Sync runs finished by this process, by kind (full, incremental) and outcome (succeeded, failed, cancelled)',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'intercom_sync_queue_depth',
      help: 'Jobs per queue and state (waiting, active, delayed, failed) (sampled)',
      labelNames: ['queue', 'state'],
      registers,
    }),
    outboxListenerConnected: new Gauge({
      name: 'intercom_sync_outbox_listener_connected',
      help: '1 while the outbox LISTEN connection is up; 0 while it reconnects (pushes then wait for the sweeper)',
      registers,
    }),
    outboxChanges: new Gauge({
      name: 'intercom_sync_outbox_changes',
      help: 'Local changes in the outbox by state (pending, in_flight, failed) (sampled)',
      labelNames: ['state'],
      registers,
    }),
    webhookEvents: new Gauge({
      name: 'intercom_sync_webhook_events',
      help: 'Stored webhook notifications by status (received = not applied yet, failed) (sampled)',
      labelNames: ['status'],
      registers,
    }),
    conflictsOpen: new Gauge({
      name: 'intercom_sync_conflicts_open',
      help: 'Conflicts waiting for an operator decision (`conflicts list`) (sampled)',
      registers,
    }),
    parkedRecords: new Gauge({
      name: 'intercom_sync_parked_records',
      help: 'Work that failed for good and waits for `failed retry`: outbox changes, webhook events, jobs (sampled)',
      labelNames: ['place'],
      registers,
    }),
    lastSuccessTimestamp: new Gauge({
      name: 'intercom_sync_stream_last_success_timestamp_seconds',
      help: 'When each stream last finished a run successfully (UNIX seconds) (sampled)',
      labelNames: ['stream'],
      registers,
    }),
    stateSampledTimestamp: new Gauge({
      name: 'intercom_sync_state_sampled_timestamp_seconds',
      help: 'When the sampled gauges were last read from each source (postgres, redis) (UNIX seconds)',
      labelNames: ['source'],
      registers,
    }),
    stateSampleErrors: new Counter({
      name: 'intercom_sync_state_sample_errors_total',
      help: 'Failed attempts to read the sampled gauges, by source (postgres, redis)',
      labelNames: ['source'],
      registers,
    }),
  };
}

/**
 * Ages are computed when scraped, from the last sampled times: if sampling fails they keep
 * growing (and alert) instead of freezing at the last figure.
 */
function registerAgeGauges(
  registers: Registry[],
  sampled: SampledTimes,
  ageSeconds: (since: number | null) => number,
): void {
  new Gauge({
    name: 'intercom_sync_lag_seconds',
    help: 'Seconds since each stream last finished a run successfully',
    labelNames: ['stream'],
    registers,
    collect() {
      this.reset();
      for (const [stream, at] of sampled.lastSuccessMs) this.set({ stream }, ageSeconds(at));
    },
  });
  new Gauge({
    name: 'intercom_sync_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest local change not yet pushed to Intercom (0 when none waits)',
    registers,
    collect() {
      this.set(ageSeconds(sampled.oldestOutboxPendingMs));
    },
  });
  new Gauge({
    name: 'intercom_sync_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest stored webhook notification not yet applied (0 when none waits)',
    registers,
    collect() {
      this.set(ageSeconds(sampled.oldestWebhookPendingMs));
    },
  });
}
