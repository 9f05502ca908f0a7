// Maps workspace changes to webhook topics and items for the two topic families: `legacy` (API
// ≤2.4, so 2.2) and `modern` (2.6/2.7 names), in the item shapes live deliveries carry
// (docs/intercom-api.md#webhooks; the table is in test/fixtures/live/README.md). Deleted and
// archived topics carry ids only; notes have no topic at all.
import type { ChangeEvent } from './events.js';
import type { ContactRecord } from './model.js';
import type { WebhookItems } from './webhook-items.js';

export type TopicFamily = 'legacy' | 'modern';

export interface TopicItem {
  readonly topic: string;
  readonly item: Record<string, unknown>;
}

export interface TopicContext {
  readonly items: WebhookItems;
  /** UNIX seconds: the `created_at` of wrapper items (tag and subscription topics). */
  readonly now: number;
  /** Whether this merge's item names the lead it absorbed (`merged_from`). */
  readonly mergedFrom: () => boolean;
}

export function topicsFor(event: ChangeEvent, family: TopicFamily, ctx: TopicContext): TopicItem[] {
  return family === 'modern' ? modern(event, ctx) : legacy(event, ctx);
}

/** What an update changed that has a topic of its own. */
function updateKinds(contact: ContactRecord, previous: ContactRecord) {
  const emailSet = contact.email !== null && contact.email !== previous.email;
  return {
    addedEmail: emailSet && previous.email === null && contact.role === 'lead',
    emailUpdated: emailSet && !(previous.email === null && contact.role === 'lead'),
    unsubscribed: contact.unsubscribed_from_emails && !previous.unsubscribed_from_emails,
    subscribed: !contact.unsubscribed_from_emails && previous.unsubscribed_from_emails,
  };
}

function modern(event: ChangeEvent, { items, now, mergedFrom }: TopicContext): TopicItem[] {
  switch (event.kind) {
    case 'contact.created':
      return [{ topic: `contact.${event.contact.role}.created`, item: items.contact(event.contact) }];
    case 'contact.updated': {
      const c = event.contact;
      const kinds = updateKinds(c, event.previous);
      const out: TopicItem[] = [{ topic: `contact.${c.role}.updated`, item: items.contact(c) }];
      if (kinds.addedEmail) out.push({ topic: 'contact.lead.added_email', item: items.contact(c) });
      if (kinds.emailUpdated)
        out.push({ topic: 'contact.email.updated', item: items.contact(c, { updatedAt: 'zulu' }) });
      // Subscription topics wrap the contact (`contact_subscribe` / `contact_unsubscribe`).
      for (const [on, action] of [
        [kinds.subscribed, 'subscribe'],
        [kinds.unsubscribed, 'unsubscribe'],
      ] as const) {
        if (!on) continue;
        out.push({
          topic: `contact.${action}d`,
          item: {
            type: `contact_${action}`,
            contact: items.contact(c),
            subscription_types: { type: 'list', data: [] },
            created_at: now,
          },
        });
      }
      return out;
    }
    case 'contact.signed_up':
      return [{ topic: 'contact.lead.signed_up', item: items.contact(event.contact) }];
    case 'contact.archived':
      return [
        {
          topic: 'contact.archived',
          item: {
            id: event.contact.id,
            external_id: event.contact.external_id,
            type: 'contact',
            archived: true,
          },
        },
      ];
    case 'contact.unarchived':
      return [{ topic: 'contact.unarchived', item: items.contact(event.contact) }];
    case 'contact.deleted':
      return [
        {
          topic: 'contact.deleted',
          item: {
            id: event.contact.id,
            external_id: event.contact.external_id,
            type: 'contact',
            deleted: true,
          },
        },
      ];
    case 'contact.merged': {
      const item = items.contact(event.contact);
      if (mergedFrom()) item.merged_from = { type: 'contact', id: event.from.id };
      return [{ topic: 'contact.merged', item }];
    }
    case 'contact.tagged':
    case 'contact.untagged': {
      const action = event.kind === 'contact.tagged' ? 'created' : 'deleted';
      return [
        {
          topic: `contact.${event.contact.role}.tag.${action}`,
          item: { type: 'contact_tag', tag: items.tag(event.tag), contact: items.contact(event.contact) },
        },
      ];
    }
    case 'company.created':
    case 'company.updated':
      return [{ topic: event.kind, item: items.company(event.company) }];
    case 'company.deleted':
      return [{ topic: 'company.deleted', item: { id: event.company.id, type: 'company', deleted: true } }];
    case 'company.attached':
    case 'company.detached':
      // No `type` and no `created_at` of their own: the item just holds the two records.
      return [
        {
          topic: `company.contact.${event.kind === 'company.attached' ? 'attached' : 'detached'}`,
          item: {
            company: items.companyRef(event.company),
            contact: items.contact(event.contact, { formattedPhone: true }),
          },
        },
      ];
    case 'note.created':
    case 'tag.created':
      return [];
  }
}

/** ≤2.4 names: no update, archive, merge or company-update topics existed (docs/intercom-api.md#webhooks). */
function legacy(event: ChangeEvent, { items, now }: TopicContext): TopicItem[] {
  switch (event.kind) {
    case 'contact.created':
      return event.contact.role === 'user'
        ? [{ topic: 'user.created', item: items.person(event.contact) }]
        : [{ topic: 'contact.created', item: items.person(event.contact, { updatedAt: 'zulu' }) }];
    case 'contact.updated': {
      const c = event.contact;
      const kinds = updateKinds(c, event.previous);
      const out: TopicItem[] = [];
      if (kinds.addedEmail) out.push({ topic: 'contact.added_email', item: items.person(c) });
      // Live sent user.email.updated for a lead too (its item typed `contact`).
      if (kinds.emailUpdated) out.push({ topic: 'user.email.updated', item: items.person(c) });
      if (kinds.unsubscribed) out.push({ topic: 'user.unsubscribed', item: items.person(c) });
      return out;
    }
    case 'contact.signed_up':
      return [{ topic: 'contact.signed_up', item: items.person(event.contact) }];
    case 'contact.deleted': {
      const c = event.contact;
      return c.role === 'user'
        ? [
            {
              topic: 'user.deleted',
              item: { type: 'user', id: c.id, user_id: c.external_id, email: c.email },
            },
          ]
        : [];
    }
    case 'contact.tagged':
    case 'contact.untagged': {
      const action = event.kind === 'contact.tagged' ? 'created' : 'deleted';
      const c = event.contact;
      const tag = items.tag(event.tag);
      return c.role === 'user'
        ? [
            {
              topic: `user.tag.${action}`,
              item: {
                type: 'user_tag',
                user: items.person(c),
                tag,
                created_at: now,
                admin: { type: 'admin' },
              },
            },
          ]
        : [
            {
              topic: `contact.tag.${action}`,
              item: { type: 'contact_tag', created_at: now, tag, contact: items.person(c) },
            },
          ];
    }
    case 'company.created':
      return [{ topic: 'company.created', item: items.companyRef(event.company) }];
    default:
      return [];
  }
}
