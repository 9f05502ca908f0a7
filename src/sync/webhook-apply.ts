// Applies one stored webhook notification to the mirror. Topics of both families are understood
// (2.2-era `user.*`/`contact.*` and 2.5+ `contact.user.*`/`contact.lead.*`,
// docs/intercom-api.md#webhook-topics); every topic is applied or ignored with its reason (docs/webhooks.md).
// A delivery is applied from its item alone, as the live shapes carry it (mappers/webhook-item.ts):
// no API call, and a field the item omits keeps its stored value. Upserts go through the
// newer-wins guard, so a late or duplicated notification changes nothing; webhooks are the fast
// path only, the incremental and nightly syncs reconcile what they miss or cannot read.
import { ServiceError } from '../errors.js';
import { loadWebhookEvent, finishWebhookEvent } from '../db/webhook-apply-state.js';
import { markArchived, markDeleted } from '../db/mark-deleted.js';
import { removeLink } from '../db/remove-links.js';
import { addLinks } from '../db/upsert-links.js';
import { upsertTags } from '../db/upsert-tags-segments.js';
import { mapCompany } from '../mappers/company.js';
import { mapContact, type MappedContact } from '../mappers/contact.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import { mapTag } from '../mappers/tag.js';
import { restCompany, restContact, wrapped } from '../mappers/webhook-item.js';
import type { Company, Contact } from '../intercom/types.js';
import { saveCompanies } from './catalog-streams.js';
import { saveContacts } from './contact-pages.js';
import type { SyncContext } from './context.js';

export type WebhookOutcome = 'applied' | 'ignored' | 'duplicate';

/** The stored event is gone (pruned or never stored): nothing to apply, ever (permanent). */
export class UnappliableWebhookError extends ServiceError {
  override name = 'UnappliableWebhookError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

type Item = Record<string, unknown>;
type Handler = (ctx: SyncContext, item: Item, topic: string) => Promise<void>;

/** Topics whose item is the contact itself (2.5+ contact or ≤2.4 person). */
const CONTACT_ITEM_TOPICS = [
  'user.created',
  'contact.created',
  'contact.signed_up',
  'contact.added_email',
  'user.email.updated',
  'user.unsubscribed',
  'visitor.signed_up',
  'contact.user.created',
  'contact.user.updated',
  'contact.lead.created',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.lead.added_email',
  'contact.email.updated',
];
/** 2.5+ subscription topics: `contact_subscribe` / `contact_unsubscribe` wrapping the contact. */
const SUBSCRIPTION_TOPICS = ['contact.subscribed', 'contact.unsubscribed'];

/** Topics whose item carries one contact to upsert (these may be applied in groups, webhook-batch.ts). */
export const CONTACT_UPSERT_TOPICS: ReadonlySet<string> = new Set([
  ...CONTACT_ITEM_TOPICS,
  ...SUBSCRIPTION_TOPICS,
]);

const TAG_CREATED = [
  'user.tag.created',
  'contact.tag.created',
  'contact.user.tag.created',
  'contact.lead.tag.created',
];
const TAG_DELETED = [
  'user.tag.deleted',
  'contact.tag.deleted',
  'contact.user.tag.deleted',
  'contact.lead.tag.deleted',
];

const handlers = new Map<string, Handler>([
  ...[...CONTACT_UPSERT_TOPICS].map((t) => [t, saveContactItem] as const),
  ['user.deleted', deleteContact],
  ['contact.deleted', deleteContact],
  ['contact.archived', async (ctx, item) => void (await markArchived(ctx.db, [idOf(item, 'contact')], true))],
  ['contact.unarchived', unarchiveContact],
  // The name current topic tables give the same event.
  ['contact.unarchive', unarchiveContact],
  ['contact.merged', mergeContacts],
  ...TAG_CREATED.map((t) => [t, tagContact] as const),
  ...TAG_DELETED.map((t) => [t, untagContact] as const),
  ['company.created', saveCompanyItem],
  ['company.updated', saveCompanyItem],
  [
    'company.deleted',
    async (ctx, item) => void (await markDeleted(ctx.db, 'companies', [idOf(item, 'company')])),
  ],
  ['company.contact.attached', attachCompany],
  ['company.contact.detached', detachCompany],
]);

/** Topics this service applies. */
export const APPLIED_TOPICS: ReadonlySet<string> = new Set(handlers.keys());

/** Topic families deliberately not applied, and why (stored as the event's reason). */
const IGNORED: readonly (readonly [prefix: string, reason: string])[] = [
  ['ping', 'a ping carries no record'],
  ['conversation_part.', 'conversations are not mirrored'],
  ['conversation.', 'conversations are not mirrored'],
  ['event.', 'data events are not mirrored'],
  ['content_stat.', 'content statistics are not mirrored'],
  ['ticket.', 'tickets are not mirrored'],
  ['visitor.', 'visitors are not mirrored until they sign up'],
  ['admin.', 'admins are not mirrored'],
  ['job.', 'background jobs are not mirrored'],
];

/**
 * Why a topic is not applied; undefined for topics that are.
 * @example ignoredReason('conversation.admin.replied') // → 'conversations are not mirrored'
 */
export function ignoredReason(topic: string): string | undefined {
  if (handlers.has(topic)) return undefined;
  const known = IGNORED.find(([prefix]) => topic === prefix || topic.startsWith(prefix));
  return known?.[1] ?? `'${topic}' is not a topic this service applies`;
}

/**
 * Applies a stored event. An item it cannot read ends `ignored` with the reason (the syncs
 * reconcile the record); only a failure that may pass (the database) is thrown, to be retried.
 * @example const outcome = await applyWebhookEvent(ctx, eventId);
 */
export async function applyWebhookEvent(ctx: SyncContext, eventId: number): Promise<WebhookOutcome> {
  const event = await loadWebhookEvent(ctx.db, eventId);
  if (!event) throw new UnappliableWebhookError(`webhook event ${eventId} is not stored`);
  if (event.status === 'applied' || event.status === 'ignored') return 'duplicate';
  const handler = handlers.get(event.topic);
  const ignore = async (reason: string) => {
    await finishWebhookEvent(ctx.db, eventId, 'ignored', reason);
    ctx.metrics?.webhooks.inc({ outcome: 'ignored' });
    return 'ignored' as const;
  };
  if (!handler) {
    const reason = ignoredReason(event.topic)!;
    ctx.log.info(
      { topic: event.topic, notificationId: event.notification_id, reason },
      'webhook topic not applied',
    );
    return ignore(reason);
  }
  const item = itemOf(event.payload);
  try {
    await handler(ctx, item, event.topic);
  } catch (error) {
    if (error instanceof InvalidPayloadError) {
      // Unreadable is not retryable, and not the operator's to fix: the syncs read the record.
      const reason = `the item cannot be applied: ${error.message}; the next sync reconciles the record`;
      ctx.log.warn(
        { topic: event.topic, notificationId: event.notification_id, reason },
        'webhook item not applied',
      );
      return ignore(reason);
    }
    await finishWebhookEvent(ctx.db, eventId, 'failed', (error as Error).message);
    ctx.metrics?.webhooks.inc({ outcome: 'failed' });
    // The job decides by isPermanent: a permanent error fails it for good, any other is retried.
    throw error;
  }
  const delays = await finishWebhookEvent(ctx.db, eventId, 'applied');
  // Another worker finished it meanwhile (its group's job and a sweeper's job): its outcome stands.
  if (delays.length === 0) return 'duplicate';
  for (const seconds of delays) ctx.metrics?.webhookApplyDelay.observe(seconds);
  ctx.metrics?.webhooks.inc({ outcome: 'applied' });
  return 'applied';
}

/** `data.item` of a stored notification ({} when it has none: each handler says what it lacks). */
export function itemOf(payload: unknown): Item {
  const item = (payload as { data?: { item?: unknown } } | null)?.data?.item;
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Item) : {};
}

function idOf(item: Item | undefined, what: string): string {
  const id = item?.id;
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new InvalidPayloadError(what, null, 'id', `the notification's ${what} has no id`);
  if (id === '')
    throw new InvalidPayloadError(what, null, 'id', `the notification's ${what} has an empty id`);
  return String(id);
}

/**
 * The contact an upsert topic's item carries, as the REST payload the mapper reads; throws
 * InvalidPayloadError when it does not map (so a group can tell which events to apply alone).
 * @example const payload = contactPayload('contact.subscribed', item);
 */
export function contactPayload(topic: string, item: Item): Contact {
  return mappedContactPayload(topic, item).payload;
}

/**
 * contactPayload with what mapping it gave (mapped once: a group of upserts reads its updated_at).
 * @example const { payload, mapped } = mappedContactPayload(topic, item); mapped.updatedAt;
 */
export function mappedContactPayload(topic: string, item: Item): { payload: Contact; mapped: MappedContact } {
  const record = SUBSCRIPTION_TOPICS.includes(topic) ? wrapped(item, 'contact') : item;
  const payload = restContact(record) as unknown as Contact;
  return { payload, mapped: mapContact(payload) };
}

async function saveContactItem(ctx: SyncContext, item: Item, topic: string): Promise<void> {
  await saveContacts(ctx, [contactPayload(topic, item)], { partial: true });
}

/** A contact inside a wrapping item (tags, attach/detach), saved like the item of a contact topic. */
async function saveWrappedContact(ctx: SyncContext, record: Item): Promise<string> {
  const payload = restContact(record) as unknown as Contact;
  const { intercomId } = mapContact(payload);
  await saveContacts(ctx, [payload], { partial: true });
  return intercomId;
}

async function saveCompanyItem(ctx: SyncContext, item: Item): Promise<void> {
  await saveCompanyRecord(ctx, item);
}

async function saveCompanyRecord(ctx: SyncContext, record: Item): Promise<string> {
  const payload = restCompany(record) as unknown as Company;
  // saveCompanies skips a company it cannot map (right for a page); one item must say why instead.
  const { intercomId } = mapCompany(payload);
  await saveCompanies(ctx, [payload], { partial: true });
  return intercomId;
}

async function deleteContact(ctx: SyncContext, item: Item): Promise<void> {
  await markDeleted(ctx.db, 'contacts', [idOf(item, 'contact')]);
}

/** `contact.unarchived` carries the whole contact; the older `contact.unarchive` name may carry ids only. */
async function unarchiveContact(ctx: SyncContext, item: Item, topic: string): Promise<void> {
  await markArchived(ctx.db, [idOf(item, 'contact')], false);
  if (item.updated_at !== undefined)
    await saveContacts(ctx, [contactPayload(topic, item)], { partial: true });
}

async function mergeContacts(ctx: SyncContext, item: Item, topic: string): Promise<void> {
  const into = contactPayload(topic, item);
  await saveContacts(ctx, [into], { partial: true });
  const from = (item.merged_from as Item | undefined)?.id;
  // Live merges may lack merged_from (docs/intercom-api.md#webhook-item-shapes): the next complete
  // pass then finds the lead gone and marks it.
  if (typeof from === 'string' && from !== '')
    await markDeleted(ctx.db, 'contacts', [from], { mergedInto: String(into.id) });
}

/** The tag wrappers: `contact_tag` (2.5+, ≤2.4 leads) holds `contact`, ≤2.4 `user_tag` holds `user`. */
function taggedContact(item: Item): Item {
  return wrapped(item, 'contact', 'user');
}

async function tagContact(ctx: SyncContext, item: Item): Promise<void> {
  const tag = mapTag(item.tag);
  const contact = taggedContact(item);
  await upsertTags(ctx.db, [tag]);
  const contactId = await saveWrappedContact(ctx, contact);
  // Also when the contact's embedded list is cut at 10 and does not show the new tag.
  await addLinks(ctx.db, 'contact_tags', [
    { parentIntercomId: contactId, children: [{ intercomId: tag.intercom_id, name: tag.name }] },
  ]);
}

async function untagContact(ctx: SyncContext, item: Item): Promise<void> {
  const tagId = idOf(item.tag as Item | undefined, 'tag');
  const contactId = await saveWrappedContact(ctx, taggedContact(item));
  await removeLink(ctx.db, 'contact_tags', contactId, tagId);
}

/** `{company, contact}`: both records as they are after the change (the contact's updated_at moved). */
async function attachCompany(ctx: SyncContext, item: Item): Promise<void> {
  const companyId = await saveCompanyRecord(ctx, wrapped(item, 'company'));
  const contactId = await saveWrappedContact(ctx, wrapped(item, 'contact'));
  await addLinks(ctx.db, 'contact_companies', [
    { parentIntercomId: contactId, children: [{ intercomId: companyId, name: null }] },
  ]);
}

async function detachCompany(ctx: SyncContext, item: Item): Promise<void> {
  const companyId = await saveCompanyRecord(ctx, wrapped(item, 'company'));
  const contactId = await saveWrappedContact(ctx, wrapped(item, 'contact'));
  await removeLink(ctx.db, 'contact_companies', contactId, companyId);
}
