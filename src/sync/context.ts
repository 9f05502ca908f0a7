// What every sync flow is handed: its dependencies and its bounded settings (docs/style.md#habit-1).
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/database.js';
import type { IntercomClient } from '../intercom/client.js';
import type { Metrics } from '../observability/metrics.js';
import type { CallMeter } from './call-meter.js';

export interface SyncSettings {
  /** Names this workspace in Redis keys (locks, budget); one daemon fleet serves one workspace. */
  readonly workspace: string;
  readonly redisPrefix: string;
  /** created_at slices the contacts are read in, and how many of them are read at once. */
  readonly contactPartitions: number;
  readonly contactConcurrency: number;
  /** Concurrent per-contact calls (full tag/company lists, notes, segments). */
  readonly detailConcurrency: number;
  /** Reading each contact's segments costs one call per contact, so it is opt-in. */
  readonly contactSegments: boolean;
  /** How long to wait for another process's companies scroll, and how often to restart ours. */
  readonly scrollLockWaitMs: number;
  readonly scrollExistsRetryMs: number;
  readonly maxScrollRestarts: number;
  /**
   * Search indexes changes minutes late (docs/intercom-api.md#index-lag): incremental syncs re-read this
   * far behind the watermark, and a full pass never sweeps a row changed this recently.
   */
  readonly searchLagSeconds: number;
  /** A running run whose heartbeat is older than this belongs to a dead process: it is marked crashed. */
  readonly runStaleMs: number;
  /**
   * How far past now a record's `updated_at` may be: later ones are stored as now plus this, so a
   * bogus future clock cannot lock a row against every later change (mappers/future-clock.ts).
   */
  readonly futureSkewSeconds: number;
}

/**
 * The settings no configuration exposes, fixed here; the rest come from the config
 * (src/app/settings.ts), whose schema holds their defaults.
 */
export const FIXED_SYNC_SETTINGS = {
  detailConcurrency: 16,
  scrollLockWaitMs: 10 * 60_000,
  scrollExistsRetryMs: 15_000,
  maxScrollRestarts: 5,
  futureSkewSeconds: 300,
} as const satisfies Partial<SyncSettings>;

export interface SyncContext {
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  readonly intercom: IntercomClient;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** The same meter must be the client's onResponse hook, so calls are counted per stream. */
  readonly meter: CallMeter;
  readonly settings: SyncSettings;
  /** What the flows' waits are measured and slept on (scroll_exists, the scroll lock). Default the wall clock. */
  readonly clock?: Clock | undefined;
}

/** The Redis key of something that is one per workspace (the scroll lock, the full-sync lock). */
export function workspaceKey(ctx: Pick<SyncContext, 'settings'>, name: string): string {
  return `${ctx.settings.redisPrefix}:${ctx.settings.workspace}:${name}`;
}
