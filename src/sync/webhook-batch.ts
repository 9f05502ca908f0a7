// Applies webhook events in groups when they arrive faster than one at a time (group commit):
// while a group is being written, the events that come in wait and go together in the next one.
// A lone event is applied at once; under load, N contact updates cost the round trips of one
// (one read of the events, one saveContacts, one status update) instead of N times those.
// Anything but a plain contact upsert, and any group that fails, goes through applyWebhookEvent
// one by one, so errors stay attributed to their own event.
import { finishWebhookEvents, loadWebhookEvents } from '../db/webhook-apply-state.js';
import { mapContact } from '../mappers/contact.js';
import type { Contact } from '../intercom/types.js';
import { saveContacts } from './contact-pages.js';
import type { SyncContext } from './context.js';
import {
  applyWebhookEvent,
  CONTACT_UPSERT_TOPICS,
  contactPayload,
  itemOf,
  UnappliableWebhookError,
  type WebhookOutcome,
} from './webhook-apply.js';

export interface WebhookApplierOptions {
  /** Most events written in one group. */
  readonly maxBatch?: number;
  /** Groups written at the same time. */
  readonly parallel?: number;
}

interface Waiting {
  readonly eventId: number;
  resolve(outcome: WebhookOutcome): void;
  reject(error: unknown): void;
}

/**
 * @example const apply = webhookApplier(ctx); await apply(eventId); // same outcomes as applyWebhookEvent
 */
export function webhookApplier(ctx: SyncContext, options: WebhookApplierOptions = {}) {
  const maxBatch = options.maxBatch ?? 100;
  const parallel = options.parallel ?? 2;
  const waiting: Waiting[] = [];
  let running = 0;

  const pump = () => {
    while (running < parallel && waiting.length > 0) {
      running += 1;
      void applyGroup(ctx, waiting.splice(0, maxBatch)).finally(() => {
        running -= 1;
        pump();
      });
    }
  };

  return (eventId: number): Promise<WebhookOutcome> =>
    new Promise<WebhookOutcome>((resolve, reject) => {
      waiting.push({ eventId, resolve, reject });
      pump();
    });
}

async function applyGroup(ctx: SyncContext, group: readonly Waiting[]): Promise<void> {
  const one = (w: Waiting) => applyWebhookEvent(ctx, w.eventId).then(w.resolve, w.reject);
  if (group.length === 1) return one(group[0]!);
  let events;
  try {
    events = new Map((await loadWebhookEvents(ctx.db, group.map((w) => w.eventId))).map((e) => [e.id, e]));
  } catch {
    await Promise.all(group.map(one));
    return;
  }
  // The contact upserts whose item maps; everything else is applied one by one.
  const upserts: { waiting: Waiting; contact: Contact; updatedAt: number }[] = [];
  const others: Waiting[] = [];
  for (const w of group) {
    const event = events.get(w.eventId);
    if (!event) {
      w.reject(new UnappliableWebhookError(`webhook event ${w.eventId} is not stored`));
      continue;
    }
    if (event.status === 'applied' || event.status === 'ignored') {
      w.resolve('duplicate');
      continue;
    }
    if (!CONTACT_UPSERT_TOPICS.has(event.topic)) {
      others.push(w);
      continue;
    }
    try {
      const contact = contactPayload(event.topic, itemOf(event.payload));
      upserts.push({ waiting: w, contact, updatedAt: mapContact(contact).row.updated_at?.getTime() ?? 0 });
    } catch {
      others.push(w); // applyWebhookEvent stores why it cannot be applied
    }
  }
  await Promise.all([applyUpserts(ctx, upserts, one), ...others.map(one)]);
}

async function applyUpserts(
  ctx: SyncContext,
  upserts: readonly { waiting: Waiting; contact: Contact; updatedAt: number }[],
  one: (w: Waiting) => Promise<void>,
): Promise<void> {
  if (upserts.length === 0) return;
  // One row per contact in a statement: the newest item (the newer-wins guard would drop the rest).
  const newest = new Map<string, (typeof upserts)[number]>();
  for (const u of upserts) {
    const id = String(u.contact.id);
    const kept = newest.get(id);
    if (!kept || u.updatedAt > kept.updatedAt || (u.updatedAt === kept.updatedAt && u.waiting.eventId > kept.waiting.eventId))
      newest.set(id, u);
  }
  try {
    await saveContacts(ctx, [...newest.values()].map((u) => u.contact), { partial: true });
    const delays = await finishWebhookEvents(ctx.db, upserts.map((u) => u.waiting.eventId), 'applied');
    for (const seconds of delays) ctx.metrics?.webhookApplyDelay.observe(seconds);
  } catch (error) {
    ctx.log.warn({ err: (error as Error).message, events: upserts.length }, 'applying a webhook group failed; one by one');
    await Promise.all(upserts.map((u) => one(u.waiting)));
    return;
  }
  ctx.metrics?.webhooks.inc({ outcome: 'applied' }, upserts.length);
  for (const u of upserts) u.waiting.resolve('applied');
}
