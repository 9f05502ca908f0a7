// Opens what the flows are handed (db, redis, Intercom client, rate budget, call meter, logger,
// metrics) from the validated config, and closes it all again. Every command, the daemon and the
// benches build their runtime here.
import type { Redis } from 'ioredis';
import type { Config, ConfigWith } from '../config/config.js';
import { createDatabase, RESTART_WAIT_MS } from '../db/database.js';
import { IntercomClient } from '../intercom/client.js';
import { RateBudget } from '../intercom/rate-budget.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { CallMeter } from '../sync/call-meter.js';
import type { PushContext } from '../sync/push/context.js';
import { processLogger } from './logging.js';
import { connectRedis } from './redis.js';
import { pushSettings, syncSettings } from './settings.js';

export interface Runtime extends PushContext {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The rate budget every process shares (its window is shown by /metrics and /status). */
  readonly budget: RateBudget;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Default: the service's logger at LOG_LEVEL (app/logging.ts). */
  readonly log?: Logger;
  readonly metrics?: Metrics;
  /** Postgres connections in the pool (20). */
  readonly poolSize?: number;
  /** application_name of the Postgres connections. */
  readonly name?: string;
}

/**
 * @example const rt = await openRuntime(loadConfig(process.env, ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']));
 */
export async function openRuntime(
  config: ConfigWith<'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN'>,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const log = options.log ?? processLogger(config, 'service');
  const metrics = options.metrics ?? createMetrics();
  const redis: Redis = await connectRedis(config.REDIS_URL);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolSize: options.poolSize ?? 20,
    applicationName: options.name ?? 'intercom-pg-sync',
    // Jobs, syncs and pushes wait out a Postgres restart instead of failing through it.
    reconnectWaitMs: RESTART_WAIT_MS,
  });
  const settings = syncSettings(config);
  const meter = new CallMeter(metrics);
  const budget = new RateBudget({
    redis,
    workspaceId: settings.workspace,
    keyPrefix: config.REDIS_PREFIX,
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    reserveOutbound: config.RATE_RESERVE_OUTBOUND,
  });
  const intercom = new IntercomClient({
    token: config.INTERCOM_TOKEN,
    baseUrl: config.INTERCOM_BASE_URL,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    maxRetries: config.HTTP_MAX_RETRIES,
    retryMinDelayMs: config.HTTP_RETRY_MIN_DELAY_MS,
    budget,
    onResponse: meter.onResponse,
  });
  return {
    config,
    db,
    redis,
    intercom,
    log,
    metrics,
    budget,
    meter,
    settings,
    push: pushSettings(config),
    async close() {
      await intercom.close();
      await db.destroy();
      redis.disconnect();
    },
  };
}

/**
 * Runs `fn` on a runtime opened for it and closes the runtime after, whatever happens.
 * @example await withRuntime(config, { name: 'intercom-pg-sync push' }, (rt) => drainOutbox(rt));
 */
export async function withRuntime<T>(
  config: ConfigWith<'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN'>,
  options: RuntimeOptions,
  fn: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime(config, options);
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
