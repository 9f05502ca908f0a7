// One sandbox, one migrated database and one Redis prefix wired into a SyncContext, the way the
// CLI builds it (openRuntime), with test settings that keep waits and windows short.
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptionsInput } from '../../src/sandbox/options.js';
import type { SyncSettings } from '../../src/sync/context.js';
import { createMigratedTestDatabase, harnessEnv } from './harness-env.js';
import type { TestDatabase } from './services.js';
import { sandboxControl } from './sandbox-control.js';

/** Settings that make a small workspace sync fast: few partitions, short waits. */
export const FAST_SETTINGS: Partial<SyncSettings> = {
  contactPartitions: 8,
  contactConcurrency: 4,
  detailConcurrency: 8,
  scrollLockWaitMs: 20_000,
  scrollExistsRetryMs: 200,
  maxScrollRestarts: 10,
  searchLagSeconds: 0,
};

export interface SyncHarness {
  readonly sandbox: Sandbox;
  readonly database: TestDatabase;
  readonly rt: Runtime;
  /** The environment a spawned `intercom-sync` needs to reach this sandbox, database and Redis. */
  readonly env: Record<string, string>;
  /** Another runtime on the same database, Redis prefix and sandbox (a second process). */
  openAnother(settings?: Partial<SyncSettings>): Promise<Runtime>;
  /** A sandbox control call (`/_sandbox/...`). */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface SyncHarnessOptions {
  readonly sandbox?: SandboxOptionsInput;
  readonly settings?: Partial<SyncSettings>;
  /** A migrated database to use (one on a server of the test's own); dropped on close. */
  readonly database?: TestDatabase;
}

export async function startSyncHarness(options: SyncHarnessOptions = {}): Promise<SyncHarness> {
  const sandbox = await startSandbox({
    contacts: 300,
    companies: 60,
    seed: 11,
    rateLimit: 0,
    ...options.sandbox,
  });
  const database = options.database ?? (await createMigratedTestDatabase('sync'));
  const env = harnessEnv(database, sandbox, {
    SYNC_CONTACT_PARTITIONS: String(options.settings?.contactPartitions ?? FAST_SETTINGS.contactPartitions),
    SYNC_CONTACT_CONCURRENCY: String(
      options.settings?.contactConcurrency ?? FAST_SETTINGS.contactConcurrency,
    ),
  });
  const config = loadConfig({ ...process.env, ...env }, ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
  const open = async (settings: Partial<SyncSettings> = {}): Promise<Runtime> => {
    const base = await openRuntime(config, { poolSize: 10 });
    return { ...base, settings: { ...base.settings, ...FAST_SETTINGS, ...options.settings, ...settings } };
  };
  const rt = await open();
  const opened: Runtime[] = [rt];
  return {
    sandbox,
    database,
    rt,
    env,
    async openAnother(settings) {
      const another = await open(settings);
      opened.push(another);
      return another;
    },
    control: sandboxControl(sandbox.url),
    async close() {
      for (const r of opened) await r.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** The sandbox's contacts (with `state`), straight from its store. */
export interface SandboxContactState {
  readonly id: string;
  readonly state: 'active' | 'archived' | 'deleted' | 'merged';
  readonly mergedInto: string | null;
  readonly tagIds: readonly string[];
  readonly companyIds: readonly string[];
  readonly updated_at: number;
}

export async function sandboxContacts(harness: SyncHarness): Promise<SandboxContactState[]> {
  const dump = await harness.control<{ contacts: SandboxContactState[] }>('GET', '/state?entity=contacts');
  return dump.contacts;
}

/**
 * Every row version in the `intercom` schema (table, ctid, xmin): a row written again (even
 * with the same values) gets a new version, an inserted or deleted one changes the set.
 */
export async function mirrorRowVersions(rt: Runtime): Promise<Map<string, Set<string>>> {
  const tables = await sql<{ name: string }>`
    select tablename as name from pg_tables where schemaname = 'intercom' order by tablename`.execute(rt.db);
  const versions = new Map<string, Set<string>>();
  for (const { name } of tables.rows) {
    const rows = await sql<{
      v: string;
    }>`select ctid::text || '/' || xmin::text as v from ${sql.table(`intercom.${name}`)}`.execute(rt.db);
    versions.set(name, new Set(rows.rows.map((r) => r.v)));
  }
  return versions;
}

/** Per table, how many row versions of `after` were not in `before` (rows written in between). */
export function rowsWritten(
  before: Map<string, Set<string>>,
  after: Map<string, Set<string>>,
): Record<string, number> {
  const written: Record<string, number> = {};
  for (const [table, versions] of after) {
    const old = before.get(table) ?? new Set<string>();
    const changed =
      [...versions].filter((v) => !old.has(v)).length + [...old].filter((v) => !versions.has(v)).length;
    if (changed > 0) written[table] = changed;
  }
  return written;
}
