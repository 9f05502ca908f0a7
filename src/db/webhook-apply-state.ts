// Reads a stored webhook event for the worker and records how applying it ended.
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

/** @example await finishWebhookEvent(db, id, 'applied'); */
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

/** @example await finishWebhookEvents(db, [1, 2, 3], 'applied'); */
export async function finishWebhookEvents(
  db: Kysely<Database>,
  ids: readonly number[],
  status: 'applied' | 'ignored',
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('intercom_sync.webhook_events')
    .set((eb) => ({ status, error: null, attempts: eb('attempts', '+', 1), applied_at: new Date() }))
    .where('id', 'in', ids)
    .returning(sinceReceived)
    .execute();
  return rows.map((r) => Number(r.seconds));
}
