// Reads a stored webhook event for the worker and records how applying it ended.
import type { Kysely } from 'kysely';
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
): Promise<void> {
  await db
    .updateTable('intercom_sync.webhook_events')
    .set((eb) => ({
      status,
      error: error ?? null,
      attempts: eb('attempts', '+', 1),
      applied_at: status === 'failed' ? null : new Date(),
    }))
    .where('id', '=', id)
    .execute();
}
