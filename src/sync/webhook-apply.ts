// Applies one stored webhook notification to the mirror. Topics of both families are understood
// (2.2-era `user.*`/`contact.*` and 2.5+ `contact.user.*`/`contact.lead.*`,
// docs/intercom-api.md#webhook-topics).
// Upserts go through the newer-wins guard, so a late or duplicated notification changes nothing;
// webhooks are the fast path only, the incremental and nightly syncs reconcile what they miss.
import { ServiceError } from '../errors.js';
import { loadWebhookEvent, finishWebhookEvent } from '../db/webhook-apply-state.js';
import { markArchived, markDeleted } from '../db/mark-deleted.js';
import { removeLink } from '../db/remove-links.js';
import { addLinks } from '../db/upsert-links.js';
import { upsertTags } from '../db/upsert-tags-segments.js';
import { mapCompany } from '../mappers/company.js';
import { mapTag } from '../mappers/tag.js';
import type { Company, Contact } from '../intercom/types.js';
import { saveCompanies } from './catalog-streams.js';
import { saveContacts } from './contact-pages.js';
import type { SyncContext } from './context.js';

export type WebhookOutcome = 'applied' | 'ignored' | 'duplicate';

/** The notification's item could not be applied and never will be (bad payload, unknown id): permanent. */
export class UnappliableWebhookError extends ServiceError {
  override name = 'UnappliableWebhookError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

type Item = Record<string, unknown> & { id?: string | number };
type Handler = (ctx: SyncContext, item: Item, topic: string) => Promise<void>;

const contactUpserts = [
  'user.created',
  'contact.created',
  'contact.signed_up',
  'user.email.updated',
  'contact.added_email',
  'user.unsubscribed',
  'visitor.signed_up',
  'contact.user.created',
  'contact.user.updated',
  'contact.lead.created',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.lead.added_email',
  'contact.email.updated',
  'contact.unsubscribed',
  'contact.subscribed',
];
/** Topics whose item is the whole contact, upserted (these may be applied in batches, webhook-batch.ts). */
export const CONTACT_UPSERT_TOPICS: ReadonlySet<string> = new Set(contactUpserts);
const tagCreated = [
  'user.tag.created',
  'contact.tag.created',
  'contact.user.tag.created',
  'contact.lead.tag.created',
];
const tagDeleted = [
  'user.tag.deleted',
  'contact.tag.deleted',
  'contact.user.tag.deleted',
  'contact.lead.tag.deleted',
];

const handlers = new Map<string, Handler>([
  ...contactUpserts.map((t) => [t, saveContactItem] as const),
  ['user.deleted', deleteContact],
  ['contact.deleted', deleteContact],
  ['contact.archived', async (ctx, item) => void (await markArchived(ctx.db, [idOf(item)], true))],
  [
    'contact.unarchived',
    async (ctx, item) => {
      await markArchived(ctx.db, [idOf(item)], false);
      await saveContactItem(ctx, item);
    },
  ],
  ['contact.unarchive', async (ctx, item) => void (await markArchived(ctx.db, [idOf(item)], false))],
  ['contact.merged', mergeContacts],
  ...tagCreated.map((t) => [t, tagContact] as const),
  ...tagDeleted.map((t) => [t, untagContact] as const),
  ['company.created', saveCompanyItem],
  ['company.updated', saveCompanyItem],
  ['company.deleted', async (ctx, item) => void (await markDeleted(ctx.db, 'companies', [idOf(item)]))],
  ['company.contact.attached', attachCompany],
  ['company.contact.detached', detachCompany],
]);

/** Topics this service applies; anything else is stored and logged, never failed. */
export const APPLIED_TOPICS: ReadonlySet<string> = new Set(handlers.keys());

/**
 * @example const outcome = await applyWebhookEvent(ctx, eventId);
 */
export async function applyWebhookEvent(ctx: SyncContext, eventId: number): Promise<WebhookOutcome> {
  const event = await loadWebhookEvent(ctx.db, eventId);
  if (!event) throw new UnappliableWebhookError(`webhook event ${eventId} is not stored`);
  if (event.status === 'applied' || event.status === 'ignored') return 'duplicate';
  const handler = handlers.get(event.topic);
  if (!handler) {
    if (event.topic !== 'ping')
      ctx.log.info(
        { topic: event.topic, notificationId: event.notification_id },
        'webhook topic not applied',
      );
    await finishWebhookEvent(ctx.db, eventId, 'ignored');
    ctx.metrics?.webhooks.inc({ outcome: 'ignored' });
    return 'ignored';
  }
  const item = ((event.payload as { data?: { item?: Item } }).data?.item ?? {}) as Item;
  try {
    await handler(ctx, item, event.topic);
  } catch (error) {
    await finishWebhookEvent(ctx.db, eventId, 'failed', (error as Error).message);
    ctx.metrics?.webhooks.inc({ outcome: 'failed' });
    // The job decides by isPermanent: a permanent error fails it for good, any other is retried.
    throw error;
  }
  const delays = await finishWebhookEvent(ctx.db, eventId, 'applied');
  for (const seconds of delays) ctx.metrics?.webhookApplyDelay.observe(seconds);
  ctx.metrics?.webhooks.inc({ outcome: 'applied' });
  return 'applied';
}

function idOf(item: Item | undefined, what = 'item'): string {
  if (item?.id === undefined || item.id === null || item.id === '') {
    throw new UnappliableWebhookError(`the notification's ${what} has no id`);
  }
  return String(item.id);
}

/**
 * The item is the contact as Intercom had it when it sent the notification. 2.2-era items may be
 * `user`-shaped; when one does not map, the contact is read from the API instead.
 */
async function saveContactItem(ctx: SyncContext, item: Item): Promise<void> {
  const saved = await saveContacts(ctx, [{ ...item, type: 'contact' } as unknown as Contact]);
  if (saved.invalid > 0) {
    const fresh = await ctx.intercom.contacts.get(idOf(item), { lane: 'inbound' });
    await saveContacts(ctx, [fresh]);
  }
}

/** saveCompanies skips a company it cannot map (right for a page); one webhook item must fail instead. */
async function saveCompanyItem(ctx: SyncContext, item: Item): Promise<void> {
  mapCompany(item);
  await saveCompanies(ctx, [item as unknown as Company]);
}

async function deleteContact(ctx: SyncContext, item: Item): Promise<void> {
  await markDeleted(ctx.db, 'contacts', [idOf(item)]);
}

async function mergeContacts(ctx: SyncContext, item: Item): Promise<void> {
  await saveContactItem(ctx, item);
  const from = (item.merged_from as Item | undefined)?.id;
  // 2.x payloads may lack merged_from (docs/intercom-api.md#webhook-item-shapes): the nightly pass then marks
  // the lead.
  if (from !== undefined) await markDeleted(ctx.db, 'contacts', [String(from)], { mergedInto: idOf(item) });
}

function contactOf(item: Item): string {
  return idOf((item.contact ?? item.user) as Item | undefined, 'contact');
}

async function tagContact(ctx: SyncContext, item: Item): Promise<void> {
  const tag = mapTag(item.tag);
  await upsertTags(ctx.db, [tag]);
  await addLinks(ctx.db, 'contact_tags', [
    { parentIntercomId: contactOf(item), children: [{ intercomId: tag.intercom_id, name: tag.name }] },
  ]);
}

async function untagContact(ctx: SyncContext, item: Item): Promise<void> {
  await removeLink(ctx.db, 'contact_tags', contactOf(item), idOf(item.tag as Item | undefined, 'tag'));
}

async function attachCompany(ctx: SyncContext, item: Item): Promise<void> {
  const company = item.company as Item | undefined;
  await saveCompanies(ctx, [company as unknown as Company]);
  await addLinks(ctx.db, 'contact_companies', [
    { parentIntercomId: contactOf(item), children: [{ intercomId: idOf(company, 'company'), name: null }] },
  ]);
  await refreshContact(ctx, item);
}

/** The attach/detach bumped the contact's updated_at; the item carries it whole (2.6+ payloads). */
async function refreshContact(ctx: SyncContext, item: Item): Promise<void> {
  const contact = item.contact as Item | undefined;
  if (contact && contact.updated_at !== undefined) await saveContacts(ctx, [contact as unknown as Contact]);
}

async function detachCompany(ctx: SyncContext, item: Item): Promise<void> {
  await removeLink(
    ctx.db,
    'contact_companies',
    contactOf(item),
    idOf(item.company as Item | undefined, 'company'),
  );
  await refreshContact(ctx, item);
}
