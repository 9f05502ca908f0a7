// The config turned into what the flows are handed: the sync's and the push's settings, and the
// workspace's name in Redis keys.
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import { FIXED_SYNC_SETTINGS, type SyncSettings } from '../sync/context.js';
import type { PushSettings } from '../sync/push/context.js';

/** Redis keys of one workspace: named by config, or by a hash of host and token (never the token). */
export function workspaceName(
  config: Pick<Config, 'INTERCOM_WORKSPACE' | 'INTERCOM_BASE_URL' | 'INTERCOM_TOKEN'>,
): string {
  if (config.INTERCOM_WORKSPACE) return config.INTERCOM_WORKSPACE;
  return createHash('sha256')
    .update(`${config.INTERCOM_BASE_URL}\n${config.INTERCOM_TOKEN ?? ''}`)
    .digest('hex')
    .slice(0, 12);
}

/** @example const settings = syncSettings(loadConfig(process.env)); */
export function syncSettings(config: Config): SyncSettings {
  return {
    ...FIXED_SYNC_SETTINGS,
    workspace: workspaceName(config),
    redisPrefix: config.REDIS_PREFIX,
    contactPartitions: config.SYNC_CONTACT_PARTITIONS,
    contactConcurrency: config.SYNC_CONTACT_CONCURRENCY,
    contactSegments: config.SYNC_CONTACT_SEGMENTS,
    searchLagSeconds: config.SEARCH_LAG_SECONDS,
    runStaleMs: config.RUN_STALE_SECONDS * 1000,
  };
}

/** @example const push = pushSettings(config); */
export function pushSettings(config: Config): PushSettings {
  return {
    adminId: config.INTERCOM_ADMIN_ID,
    policy: config.CONFLICT_POLICY,
    fieldPolicies: config.CONFLICT_POLICY_FIELDS,
    retryMinDelayMs: config.PUSH_RETRY_MIN_DELAY_MS,
    dependencyWaitMs: config.PUSH_DEPENDENCY_WAIT_MS,
    createAttributes: config.PUSH_CREATE_ATTRIBUTES,
    recentCreateSeconds: config.SEARCH_LAG_SECONDS,
  };
}
