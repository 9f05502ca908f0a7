// The composition root: builds what the flows are handed (db, redis, client, budget, meter,
// logger, metrics) from validated settings, and closes it all again.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config, ConfigWith } from '../config/config.js';
import { createDatabase, type Database } from '../db/database.js';
import { IntercomClient } from '../intercom/client.js';
import { RateBudget } from '../intercom/rate-budget.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { CallMeter } from '../sync/call-meter.js';
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from '../sync/context.js';
import type { PushContext, PushSettings } from '../sync/push/context.js';
import { connectRedis } from '../workers/redis.js';

export interface Runtime extends PushContext {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Redis keys of one workspace: named by config, or by a hash of host and token (never the token). */
export function workspaceName(config: Pick<Config, 'INTERCOM_WORKSPACE' | 'INTERCOM_BASE_URL' | 'INTERCOM_TOKEN'>): string {
  if (config.INTERCOM_WORKSPACE) return config.INTERCOM_WORKSPACE;
  return createHash('sha256').update(`${config.INTERCOM_BASE_URL}\n${config.INTERCOM_TOKEN ?? ''}`).digest('hex').slice(0, 12);
}

export function syncSettings(config: Config): SyncSettings {
  return {
    ...DEFAULT_SYNC_SETTINGS,
    workspace: workspaceName(config),
    redisPrefix: config.REDIS_PREFIX,
    contactPartitions: config.SYNC_CONTACT_PARTITIONS,
    contactConcurrency: config.SYNC_CONTACT_CONCURRENCY,
    contactSegments: config.SYNC_CONTACT_SEGMENTS,
    searchLagSeconds: config.SEARCH_LAG_SECONDS,
  };
}

export function pushSettings(config: Config): PushSettings {
  return {
    adminId: config.INTERCOM_ADMIN_ID,
    policy: config.CONFLICT_POLICY,
    fieldPolicies: config.CONFLICT_POLICY_FIELDS,
    retryMinDelayMs: config.PUSH_RETRY_MIN_DELAY_MS,
    dependencyWaitMs: config.PUSH_DEPENDENCY_WAIT_MS,
  };
}

/**
 * @example const rt = await openRuntime(loadConfig(process.env, ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']));
 */
export async function openRuntime(
  config: ConfigWith<'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN'>,
  options: { log?: Logger; metrics?: Metrics; poolSize?: number; name?: string } = {},
): Promise<Runtime> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = options.metrics ?? createMetrics();
  const redis: Redis = await connectRedis(config.REDIS_URL);
  const db: Kysely<Database> = createDatabase({
    url: config.DATABASE_URL,
    poolSize: options.poolSize ?? 20,
    applicationName: options.name ?? 'intercom-sync',
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
