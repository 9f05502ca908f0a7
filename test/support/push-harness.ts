// A mirrored workspace ready for pushes: the sync harness (sandbox, migrated database, runtime)
// after one full sync, plus what push tests ask of it — a push context with chosen settings, the
// sandbox's view of a record, its API write counts, and the daemon's push workers on demand.
import { sql } from 'kysely';
import type { OutboxEntity } from '../../src/db/outbox.js';
import type { SandboxOptionsInput } from '../../src/sandbox/options.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { PushContext, PushSettings } from '../../src/sync/push/context.js';
import type { Daemon } from '../../src/app/daemon.js';
import { startTestDaemon, type TestDaemonOptions } from './test-daemon.js';
import { uniqueName } from './services.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

export const WEBHOOK_SECRET = 'push-test-secret';

export interface SandboxStats {
  readonly requests: number;
  readonly byRoute: Record<string, Record<string, number>>;
  readonly rateLimited: number;
  readonly faults: Record<string, number>;
}

export interface PushHarness extends SyncHarness {
  /** The runtime as a push context, with these push settings over the defaults. */
  ctx(settings?: Partial<PushSettings>): PushContext;
  /** A contact as the sandbox holds it (with `state`, `companyIds`, `noteIds`). */
  remoteContact(id: string): Promise<RemoteContact>;
  remoteCompany(companyId: string): Promise<Record<string, unknown> | undefined>;
  stats(): Promise<SandboxStats>;
  resetStats(): Promise<void>;
  /** Starts the daemon's workers on this database and sandbox (own Redis prefix, port 0). */
  startDaemon(options?: TestDaemonOptions): Promise<Daemon>;
}

export interface RemoteContact extends Record<string, unknown> {
  readonly id: string;
  readonly state: 'active' | 'archived' | 'deleted' | 'merged';
  readonly name: string | null;
  readonly email: string | null;
  readonly external_id: string | null;
  readonly custom_attributes: Record<string, unknown>;
  readonly companyIds: string[];
  readonly noteIds: string[];
  readonly updated_at: number;
}

export async function startPushHarness(
  options: { sandbox?: SandboxOptionsInput } = {},
): Promise<PushHarness> {
  const harness = await startSyncHarness({
    sandbox: { contacts: 30, companies: 8, seed: 21, webhookSecret: WEBHOOK_SECRET, ...options.sandbox },
  });
  const summary = await runFullSync(harness.rt);
  if (summary.status !== 'succeeded') throw new Error(`the first full sync failed: ${summary.error}`);
  const daemons: Daemon[] = [];
  const dump = async <T>(entity: string) =>
    (await harness.control<Record<string, T[]>>('GET', `/state?entity=${entity}`))[entity]!;
  return {
    ...harness,
    ctx(settings = {}) {
      return { ...harness.rt, push: { ...harness.rt.push, ...settings } };
    },
    async remoteContact(id) {
      const found = (await dump<RemoteContact>('contacts')).find((c) => c.id === id);
      if (!found) throw new Error(`the sandbox has no contact ${id}`);
      return found;
    },
    async remoteCompany(companyId) {
      return (await dump<Record<string, unknown>>('companies')).find((c) => c.company_id === companyId);
    },
    stats: () => harness.control<SandboxStats>('GET', '/stats'),
    async resetStats() {
      await harness.control('POST', '/stats/reset');
    },
    startDaemon: (extra = {}) =>
      startTestDaemon(
        {
          ...process.env,
          ...harness.env,
          INTERCOM_CLIENT_SECRET: WEBHOOK_SECRET,
          REDIS_PREFIX: uniqueName('pd'),
          PORT: '0',
          PUSH_COALESCE_MS: '150',
        },
        extra,
        daemons,
      ),
    async close() {
      harness.sandbox.updateSettings({ webhookUrl: null });
      for (const daemon of daemons) await daemon.close();
      await harness.close();
    },
  };
}

/** API writes (anything but reads and searches) in a stats snapshot, by route. */
export function apiWrites(stats: SandboxStats): Record<string, number> {
  const writes: Record<string, number> = {};
  for (const [route, statuses] of Object.entries(stats.byRoute)) {
    if (route.startsWith('GET ') || route.endsWith('/search')) continue;
    writes[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
  }
  return writes;
}

export function totalWrites(stats: SandboxStats): number {
  return Object.values(apiWrites(stats)).reduce((a, b) => a + b, 0);
}

/** A mirrored contact row that has an Intercom id, picked by position (stable per seed). */
export async function mirroredContact(
  ctx: PushContext,
  index = 0,
  role: 'user' | 'lead' = 'user',
): Promise<{
  id: number;
  intercom_id: string;
  email: string | null;
  external_id: string | null;
  name: string | null;
}> {
  const rows = await ctx.db
    .selectFrom('intercom.contacts')
    .select(['id', 'intercom_id', 'email', 'external_id', 'name'])
    .where('intercom_id', 'is not', null)
    .where('archived', '=', false)
    .where('deleted_at', 'is', null)
    .where('role', '=', role)
    .orderBy('id')
    .execute();
  const row = rows[index];
  if (!row) throw new Error(`no mirrored ${role} #${index}`);
  return { ...row, id: Number(row.id), intercom_id: row.intercom_id! };
}

export async function outboxRows(ctx: PushContext, entity: OutboxEntity, rowId: number) {
  return ctx.db
    .selectFrom('intercom_sync.outbox')
    .select(['id', 'op', 'state', 'attempts', 'last_error', 'changed_columns'])
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .orderBy('id')
    .execute();
}

export async function openOutboxCount(ctx: PushContext): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from intercom_sync.outbox where state in ('pending', 'in_flight')`.execute(
    ctx.db,
  );
  return result.rows[0]!.n;
}

/**
 * For eventually(): true once nothing waits in the outbox; until then it throws naming what waits,
 * so a timeout says which change was stuck and why (attempts, last error, when it is next due).
 */
export async function outboxDrained(ctx: PushContext): Promise<true> {
  const open = await ctx.db
    .selectFrom('intercom_sync.outbox')
    .select(['entity', 'row_id', 'op', 'state', 'attempts', 'last_error', 'next_attempt_at'])
    .where('state', 'in', ['pending', 'in_flight'])
    .execute();
  if (open.length === 0) return true;
  throw new Error(
    `${open.length} open: ${open
      .map((o) => `${o.op} ${o.entity} ${o.row_id} ${o.state} after ${o.attempts} attempt(s), due ${o.next_attempt_at.toISOString()} (${o.last_error ?? 'no error'})`)
      .join('; ')} [now ${new Date().toISOString()}]`,
  );
}

export { eventually } from './eventually.js';
