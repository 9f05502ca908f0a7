// The Prometheus metrics every part of the service reports into, one registry per process.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly apiCalls: Counter<'route' | 'status'>;
  readonly rateLimited: Counter;
  readonly rateLimitRemaining: Gauge;
  readonly recordsSynced: Counter<'entity' | 'operation'>;
  readonly webhooks: Counter<'outcome'>;
  readonly lagSeconds: Gauge<'stream'>;
  readonly queueDepth: Gauge<'queue' | 'state'>;
  readonly outboxListenerConnected: Gauge;
}

/**
 * A fresh registry with the service's metrics (and Node's defaults when `defaults` is true).
 * @example const metrics = createMetrics(); metrics.webhooks.inc({ outcome: 'received' });
 */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'intercom_sync_' });
  const registers = [registry];
  return {
    registry,
    apiCalls: new Counter({
      name: 'intercom_sync_api_calls_total',
      help: 'Calls to the Intercom API by route template and HTTP status',
      labelNames: ['route', 'status'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'intercom_sync_rate_limited_total',
      help: 'Responses with status 429 (rate limit exceeded)',
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: 'intercom_sync_rate_limit_remaining',
      help: 'X-RateLimit-Remaining of the latest API response',
      registers,
    }),
    recordsSynced: new Counter({
      name: 'intercom_sync_records_total',
      help: 'Records written by the sync, by entity and operation (inserted, updated, unchanged, deleted, pushed)',
      labelNames: ['entity', 'operation'],
      registers,
    }),
    webhooks: new Counter({
      name: 'intercom_sync_webhooks_total',
      help: 'Webhook notifications by outcome (received, duplicate, rejected, applied, ignored, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'intercom_sync_lag_seconds',
      help: 'Seconds since each stream last completed successfully (sampled every 15 s by the daemon)',
      labelNames: ['stream'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'intercom_sync_queue_depth',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers,
    }),
    outboxListenerConnected: new Gauge({
      name: 'intercom_sync_outbox_listener_connected',
      help: '1 while the outbox LISTEN connection is up; 0 while it reconnects (pushes then wait for the sweeper)',
      registers,
    }),
  };
}
