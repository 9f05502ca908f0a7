// Received webhook notifications, stored once per notification id before they are acknowledged, and
// found again: pending ones for the sweeper, failed ones for `failed list|retry`.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

export interface StoredEvent {
  readonly id: number;
  /** True when this notification id had been stored before (a redelivery): nothing new to apply. */
  readonly duplicate: boolean;
}

export interface IncomingEvent {
  readonly notificationId: string;
  readonly topic: string;
  readonly appId?: string | undefined;
  readonly itemType?: string | undefined;
  readonly itemId?: string | undefined;
  readonly notifiedAt?: Date | undefined;
  readonly payload: unknown;
  /** `payload` as JSON text already (the body as received, when it needed no repair): stored as is. */
  readonly payloadText?: string | undefined;
  /** Stored as already handled, with why (a ping): nothing for the workers to apply. */
  readonly ignored?: { readonly reason: string };
}

/** The stored row of a notification: one deliberately ignored is stored as settled at `now`. */
function eventRow(event: IncomingEvent, now: Date) {
  return {
    notification_id: event.notificationId,
    topic: event.topic,
    app_id: event.appId ?? null,
    item_type: event.itemType ?? null,
    item_id: event.itemId ?? null,
    notified_at: event.notifiedAt ?? null,
    payload: event.payloadText ?? JSON.stringify(event.payload),
    status: event.ignored ? ('ignored' as const) : ('received' as const),
    error: event.ignored?.reason ?? null,
    applied_at: event.ignored ? now : null,
  };
}

/**
 * Stores a notification unless its id is already there.
 * @example const { duplicate } = await storeWebhookEvent(db, { notificationId, topic, payload });
 */
export async function storeWebhookEvent(db: Kysely<Database>, event: IncomingEvent): Promise<StoredEvent> {
  const inserted = await db
    .insertInto('intercom_sync.webhook_events')
    .values(eventRow(event, new Date()))
    .onConflict((oc) => oc.column('notification_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, duplicate: false };
  const existing = await db
    .selectFrom('intercom_sync.webhook_events')
    .select('id')
    .where('notification_id', '=', event.notificationId)
    .executeTakeFirstOrThrow();
  return { id: existing.id, duplicate: true };
}

/**
 * Stores several notifications in one statement (the webhook route's group commit), each unless
 * its id is already there; answers in the order given. A notification id given twice is stored
 * once, the later one being its duplicate.
 * @example const [first, second] = await storeWebhookEvents(db, [eventA, eventB]);
 */
export async function storeWebhookEvents(
  db: Kysely<Database>,
  events: readonly IncomingEvent[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const firsts = new Map<string, IncomingEvent>();
  for (const event of events) if (!firsts.has(event.notificationId)) firsts.set(event.notificationId, event);
  const now = new Date();
  const inserted = await db
    .insertInto('intercom_sync.webhook_events')
    .values([...firsts.values()].map((event) => eventRow(event, now)))
    .onConflict((oc) => oc.column('notification_id').doNothing())
    .returning(['id', 'notification_id'])
    .execute();
  const ids = new Map(inserted.map((row) => [row.notification_id, row.id]));
  const fresh = new Set(ids.keys());
  const already = [...firsts.keys()].filter((n) => !fresh.has(n));
  if (already.length > 0) {
    const rows = await db
      .selectFrom('intercom_sync.webhook_events')
      .select(['id', 'notification_id'])
      .where('notification_id', 'in', already)
      .execute();
    for (const row of rows) ids.set(row.notification_id, row.id);
  }
  return events.map((event) => {
    const id = ids.get(event.notificationId);
    if (id === undefined) throw new Error(`webhook ${event.notificationId} was neither stored nor found`);
    // Only the first of a batch's copies is new; the others, like a stored one, are redeliveries.
    const isNew = fresh.delete(event.notificationId);
    return { id, duplicate: !isNew };
  });
}

/** Events stored but not yet applied, oldest first (the sweeper re-enqueues these). */
export async function pendingWebhookEvents(db: Kysely<Database>, olderThanMs: number, limit: number) {
  return db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'notification_id'])
    .where('status', '=', 'received')
    .where('received_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

/** Events parked as failed, newest first (for `failed list`). */
export async function failedWebhookEvents(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'topic', 'error', 'attempts', 'received_at'])
    .where('status', '=', 'failed')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Puts these failed events back to `received` (to be applied again), in one statement; returns
 * those that were failed, with their notification ids.
 * @example const events = await reopenFailedWebhookEvents(db, [42, 43]);
 */
export async function reopenFailedWebhookEvents(db: Kysely<Database>, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .updateTable('intercom_sync.webhook_events')
    .set({ status: 'received', error: null })
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .returning(['id', 'notification_id'])
    .execute();
}
