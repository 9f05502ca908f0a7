// Applies webhook events in groups: the contact upserts of a group cost the round trips of one
// (one read of the events, one saveContacts, one status update) instead of N times those.
// Two ways in: a group the webhook route stored and handed off as one job (applyWebhookGroup),
// and single-event jobs run at the same time (webhookApplier: while a group is being written,
// the events that come in wait and go together in the next one). Anything but a contact upsert
// whose item maps, and any group whose write fails, is applied alone (applyWebhookEvent), so
// errors stay attributed to their own event.
import { finishWebhookEvents, loadWebhookEvents } from '../db/webhook-apply-state.js';
import type { Contact } from '../intercom/types.js';
import { saveContacts } from './contact-pages.js';
import type { SyncContext } from './context.js';
import {
  applyWebhookEvent,
  CONTACT_UPSERT_TOPICS,
  mappedContactPayload,
  itemOf,
  UnappliableWebhookError,
  type WebhookOutcome,
} from './webhook-apply.js';

type StoredEvent = Awaited<ReturnType<typeof loadWebhookEvents>>[number];

interface Upsert {
  readonly event: StoredEvent;
  readonly contact: Contact;
  readonly updatedAt: number;
}

/** How a group of events was sorted: upserts to write together, the rest to apply alone. */
interface Sorted {
  readonly upserts: Upsert[];
  readonly alone: StoredEvent[];
  /** Already applied or ignored (a redelivered job): nothing to do. */
  readonly finished: StoredEvent[];
}

function sortEvents(events: readonly StoredEvent[]): Sorted {
  const sorted: Sorted = { upserts: [], alone: [], finished: [] };
  for (const event of events) {
    if (event.status === 'applied' || event.status === 'ignored') sorted.finished.push(event);
    else if (!CONTACT_UPSERT_TOPICS.has(event.topic)) sorted.alone.push(event);
    else {
      try {
        const { payload, mapped } = mappedContactPayload(event.topic, itemOf(event.payload));
        sorted.upserts.push({ event, contact: payload, updatedAt: mapped.updatedAt?.getTime() ?? 0 });
      } catch {
        sorted.alone.push(event); // applyWebhookEvent stores why it cannot be applied
      }
    }
  }
  return sorted;
}

/**
 * Writes the upserts in one saveContacts and finishes their events in one update; answers the ids
 * it finished (another worker may have finished some meanwhile), or undefined when the write
 * failed (then nothing was finished and each event is to be applied alone).
 */
async function writeUpserts(ctx: SyncContext, upserts: readonly Upsert[]): Promise<Set<number> | undefined> {
  if (upserts.length === 0) return new Set();
  // One row per contact in a statement: the newest item (the newer-wins guard would drop the rest).
  const newest = new Map<string, Upsert>();
  for (const u of upserts) {
    const id = String(u.contact.id);
    const kept = newest.get(id);
    if (
      !kept ||
      u.updatedAt > kept.updatedAt ||
      (u.updatedAt === kept.updatedAt && u.event.id > kept.event.id)
    )
      newest.set(id, u);
  }
  try {
    await saveContacts(
      ctx,
      [...newest.values()].map((u) => u.contact),
      { partial: true },
    );
    const finished = await finishWebhookEvents(
      ctx.db,
      upserts.map((u) => u.event.id),
      'applied',
    );
    for (const { seconds } of finished) ctx.metrics?.webhookApplyDelay.observe(seconds);
    ctx.metrics?.webhooks.inc({ outcome: 'applied' }, finished.length);
    return new Set(finished.map((f) => f.id));
  } catch (error) {
    ctx.log.warn(
      { err: (error as Error).message, events: upserts.length },
      'applying a webhook group failed; each event is applied alone',
    );
    return undefined;
  }
}

export interface WebhookGroupOutcome {
  /** Events applied (contact upserts written together). */
  readonly applied: number;
  /** Events some job had already applied or ignored. */
  readonly duplicate: number;
  /** Events to apply on their own (their own job): not contact upserts, unmappable, or in a failed write. */
  readonly alone: readonly { readonly eventId: number; readonly notificationId: string }[];
  /** Ids no stored event has (pruned): nothing to apply, ever. */
  readonly missing: readonly number[];
}

/**
 * Applies the contact upserts among these stored events together and says which events are left
 * to apply alone. Throws only when the events cannot be read (the job is retried).
 * @example const { alone } = await applyWebhookGroup(ctx, job.data.eventIds); // then a job each
 */
export async function applyWebhookGroup(
  ctx: SyncContext,
  eventIds: readonly number[],
): Promise<WebhookGroupOutcome> {
  const events = await loadWebhookEvents(ctx.db, eventIds);
  const found = new Set(events.map((e) => e.id));
  const { upserts, alone, finished } = sortEvents(events);
  const written = await writeUpserts(ctx, upserts);
  const left = written ? alone : [...alone, ...upserts.map((u) => u.event)];
  const applied = written?.size ?? 0;
  return {
    applied,
    duplicate: finished.length + (written ? upserts.length - applied : 0),
    alone: left.map((e) => ({ eventId: e.id, notificationId: e.notification_id })),
    missing: eventIds.filter((id) => !found.has(id)),
  };
}

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
      void applyWaiting(ctx, waiting.splice(0, maxBatch)).finally(() => {
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

async function applyWaiting(ctx: SyncContext, group: readonly Waiting[]): Promise<void> {
  const one = (w: Waiting) => applyWebhookEvent(ctx, w.eventId).then(w.resolve, w.reject);
  if (group.length === 1) return one(group[0]!);
  let events;
  try {
    events = await loadWebhookEvents(
      ctx.db,
      group.map((w) => w.eventId),
    );
  } catch {
    await Promise.all(group.map(one));
    return;
  }
  const byEvent = new Map(group.map((w) => [w.eventId, w]));
  const found = new Set(events.map((e) => e.id));
  for (const w of group)
    if (!found.has(w.eventId))
      w.reject(new UnappliableWebhookError(`webhook event ${w.eventId} is not stored`));
  const { upserts, alone, finished } = sortEvents(events);
  for (const e of finished) byEvent.get(e.id)!.resolve('duplicate');
  const writing = writeUpserts(ctx, upserts).then(async (written) => {
    if (!written) return void (await Promise.all(upserts.map((u) => one(byEvent.get(u.event.id)!))));
    for (const u of upserts)
      byEvent.get(u.event.id)!.resolve(written.has(u.event.id) ? 'applied' : 'duplicate');
  });
  await Promise.all([writing, ...alone.map((e) => one(byEvent.get(e.id)!))]);
}
