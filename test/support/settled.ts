// "Nothing more is on its way", as state: what the sandbox still has to deliver, what Postgres
// still has to apply, what a queue still holds. A test checks these, never a pause, before it
// asserts that something did not happen.
import type { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import { eventually } from './eventually.js';

type Control = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface DeliveryStats {
  readonly pending: number;
  readonly inFlight: number;
  readonly retriesScheduled: number;
}

/** Waits until the sandbox has no notification queued, in flight or waiting for its retry. */
export async function deliveriesSettled(control: Control, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      const stats = await control<DeliveryStats>('GET', '/webhooks');
      if (stats.pending + stats.inFlight + stats.retriesScheduled === 0) return true;
      throw new Error(
        `${stats.pending} queued, ${stats.inFlight} in flight, ${stats.retriesScheduled} retries waiting`,
      );
    },
    'the sandbox to deliver every notification',
    timeoutMs,
  );
}

/** Waits until every stored webhook event has left 'received' (applied, ignored or failed). */
export async function webhooksApplied(db: Kysely<Database>, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      const row = await sql<{ n: number }>`
        select count(*)::int as n from intercom_sync.webhook_events where status = 'received'`.execute(db);
      const n = row.rows[0]!.n;
      if (n === 0) return true;
      throw new Error(`${n} still 'received'`);
    },
    'every stored webhook to be applied',
    timeoutMs,
  );
}

/** Waits until a queue holds no job waiting (paused or not), delayed, prioritized or active. */
export async function queueIdle(queue: Queue, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      const counts = await queue.getJobCounts(
        'waiting',
        'delayed',
        'prioritized',
        'waiting-children',
        'active',
      );
      const busy = Object.entries(counts).filter(([, n]) => n > 0);
      if (busy.length === 0) return true;
      throw new Error(busy.map(([state, n]) => `${n} ${state}`).join(', '));
    },
    `the ${queue.name} queue to be idle`,
    timeoutMs,
  );
}
