// A daemon started in-process (startDaemon, port 0) against real Postgres, Redis and a sandbox over
// HTTP that sends its webhooks to it: what the daemon tests build on. Each harness has its own
// database, Redis key prefix and workspace name, so test files never see each other's work.
import { sql } from 'kysely';
import { signBody } from '../../src/http/signature.js';
import type { Logger } from '../../src/observability/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptionsInput } from '../../src/sandbox/options.js';
import type { Daemon } from '../../src/app/daemon.js';
import { createMigratedTestDatabase, harnessEnv } from './harness-env.js';
import { uniqueName, type TestDatabase } from './services.js';
import { eventually } from './eventually.js';
import { webhooksApplied } from './settled.js';
import { startTestDaemon, type TestDaemonOptions } from './test-daemon.js';
import { sandboxControl } from './sandbox-control.js';

export { eventually };

export const CLIENT_SECRET = 'daemon-test-client-secret';
export const TOKEN = 'sandbox-token';

export interface DaemonHarness {
  readonly sandbox: Sandbox;
  readonly database: TestDatabase;
  /** The environment a daemon (in-process or spawned) needs for this database, Redis and sandbox. */
  readonly env: Record<string, string>;
  readonly daemons: Daemon[];
  /** Starts one more daemon on the same Postgres, Redis prefix and sandbox. */
  startDaemon(options?: TestDaemonOptions): Promise<Daemon>;
  /** Points the sandbox's webhooks at a daemon. */
  subscribe(daemon: Daemon, family?: 'legacy' | 'modern'): void;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface DaemonHarnessOptions {
  readonly sandbox?: SandboxOptionsInput;
  readonly env?: Record<string, string>;
}

export async function startDaemonHarness(options: DaemonHarnessOptions = {}): Promise<DaemonHarness> {
  const sandbox = await startSandbox({
    contacts: 40,
    companies: 12,
    seed: 5,
    rateLimit: 0,
    webhookSecret: CLIENT_SECRET,
    webhookRetryDelayMs: 200,
    ...options.sandbox,
  });
  const database = await createMigratedTestDatabase('daemon');
  const env = harnessEnv(database, sandbox, {
    INTERCOM_CLIENT_SECRET: CLIENT_SECRET,
    PORT: '0',
    SYNC_CONTACT_PARTITIONS: '4',
    SYNC_CONTACT_CONCURRENCY: '4',
    ...options.env,
  });
  const daemons: Daemon[] = [];
  return {
    sandbox,
    database,
    env,
    daemons,
    startDaemon: (extra = {}) => startTestDaemon(env, extra, daemons),
    subscribe(daemon, family = 'modern') {
      sandbox.updateSettings({ webhookUrl: `${daemon.url}/webhooks/intercom`, webhookTopics: family });
    },
    control: sandboxControl(sandbox.url),
    async close() {
      sandbox.updateSettings({ webhookUrl: null });
      for (const daemon of daemons) await daemon.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** A notification as Intercom sends it. */
export function notification(topic: string, item: Record<string, unknown>, id = uniqueName('notif')) {
  return {
    type: 'notification_event',
    id,
    topic,
    app_id: 'sbx0ws01',
    created_at: Math.floor(Date.now() / 1000),
    delivery_attempts: 1,
    data: { type: 'notification_event_data', item },
  };
}

/** POSTs a body signed with the client secret to a daemon's webhook endpoint. */
export async function deliver(daemon: Pick<Daemon, 'url'>, body: unknown, secret = CLIENT_SECRET) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${daemon.url}/webhooks/intercom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(raw, secret) },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function webhookEvent(daemon: Daemon, notificationId: string) {
  return daemon.runtime.db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'topic', 'status', 'attempts', 'error'])
    .where('notification_id', '=', notificationId)
    .execute();
}

/** Waits until every stored webhook event left 'received' (applied, ignored or failed). */
export function webhooksSettled(daemon: Daemon, timeoutMs = 10_000): Promise<void> {
  return webhooksApplied(daemon.runtime.db, timeoutMs);
}

export function contactRow(daemon: Daemon, intercomId: string) {
  return daemon.runtime.db
    .selectFrom('intercom.contacts')
    .select(['name', 'email', 'updated_at', 'archived', 'deleted_at', 'merged_into_id', 'role'])
    .where('intercom_id', '=', intercomId)
    .executeTakeFirst();
}

export function companyRow(daemon: Daemon, intercomId: string) {
  return daemon.runtime.db
    .selectFrom('intercom.companies')
    .select(['name', 'deleted_at', 'updated_at'])
    .where('intercom_id', '=', intercomId)
    .executeTakeFirst();
}

/** Intercom ids of what a contact is linked to in the mirror. */
export async function linked(
  daemon: Daemon,
  kind: 'tags' | 'companies',
  contactId: string,
): Promise<string[]> {
  const result =
    kind === 'tags'
      ? await sql<{ id: string }>`
          select t.intercom_id as id from intercom.contact_tags l join intercom.contacts c on c.id = l.contact_id
          join intercom.tags t on t.id = l.tag_id where c.intercom_id = ${contactId}`.execute(
          daemon.runtime.db,
        )
      : await sql<{ id: string }>`
          select co.intercom_id as id from intercom.contact_companies l join intercom.contacts c on c.id = l.contact_id
          join intercom.companies co on co.id = l.company_id where c.intercom_id = ${contactId}`.execute(
          daemon.runtime.db,
        );
  return result.rows.map((r) => r.id).sort();
}

export type { Logger };
