// Reads a stored webhook event for the worker and records how applying it ended. An event already
// applied or ignored keeps how it ended: a second worker finishing it too (its group's job and a
// sweeper's job of its own both took it) changes nothing, and reports nothing finished.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** @example const event = await loadWebhookEvent(db, id); */
export async function loadWebhookEvent(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'notification_id', 'topic', 'payload', 'status', 'attempts'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Statuses an event is finished in for good. */
const SETTLED = ['applied', 'ignored'] as const;

/**
 * Records how applying an event ended; answers the delay of each event it finished (none when the
 * event was already applied or ignored).
 * @example await finishWebhookEvent(db, id, 'applied');
 */
export async function finishWebhookEvent(
  db: Kysely<Database>,
  id: number,
  status: 'applied' | 'ignored' | 'failed',
  error?: string,
): Promise<number[]> {
  const rows = await db
    .updateTable('intercom_sync.webhook_events')
    .set((eb) => ({
      status,
      error: error ?? null,
      attempts: eb('attempts', '+', 1),
      applied_at: status === 'failed' ? null : new Date(),
    }))
    .where('id', '=', id)
    .where('status', 'not in', SETTLED)
    .returning(sinceReceived)
    .execute();
  return rows.map((r) => Number(r.seconds));
}

/** Seconds from an event being stored to now: the delay the webhook_apply_delay histogram shows. */
const sinceReceived = sql<number>`extract(epoch from (now() - received_at))::float8`.as('seconds');

/** Several events at once, as a batch of webhooks applied together. */
export async function loadWebhookEvents(db: Kysely<Database>, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'notification_id', 'topic', 'payload', 'status', 'attempts'])
    .where('id', 'in', ids)
    .execute();
}

/**
 * Finishes several events in one statement; answers those it finished (not already applied or
 * ignored) with their delays.
 * @example const finished = await finishWebhookEvents(db, [1, 2, 3], 'applied');
 */
export async function finishWebhookEvents(
  db: Kysely<Database>,
  ids: readonly number[],
  status: 'applied' | 'ignored',
): Promise<{ id: number; seconds: number }[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('intercom_sync.webhook_events')
    .set((eb) => ({ status, error: null, attempts: eb('attempts', '+', 1), applied_at: new Date() }))
    .where('id', 'in', ids)
    .where('status', 'not in', SETTLED)
    .returning(['id', sinceReceived])
    .execute();
  return rows.map((r) => ({ id: r.id, seconds: Number(r.seconds) }));
}
