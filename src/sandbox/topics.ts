// Maps workspace changes to webhook topics and items for the two topic families: `legacy`
// (API ≤2.4, so 2.2) and `modern` (2.6/2.7 names), as intercom-notes.md §5 lists them.
// Deleted topics carry only ids; notes have no topic at all.
import type { ChangeEvent } from './events.js';
import type { CompanyRecord, ContactRecord, TagRecord } from './model.js';

export type TopicFamily = 'legacy' | 'modern';

export interface Renderers {
  readonly contact: (c: ContactRecord) => Record<string, unknown>;
  readonly company: (c: CompanyRecord) => Record<string, unknown>;
  readonly tag: (t: TagRecord) => Record<string, unknown>;
}

export interface TopicItem {
  readonly topic: string;
  readonly item: Record<string, unknown>;
}

export function topicsFor(
  event: ChangeEvent,
  family: TopicFamily,
  render: Renderers,
  now: number,
): TopicItem[] {
  return family === 'modern' ? modern(event, render, now) : legacy(event, render, now);
}

function modern(event: ChangeEvent, render: Renderers, now: number): TopicItem[] {
  switch (event.kind) {
    case 'contact.created':
    case 'contact.updated':
      return [
        {
          topic: `contact.${event.contact.role}.${event.kind.split('.')[1]}`,
          item: render.contact(event.contact),
        },
      ];
    case 'contact.signed_up':
      return [{ topic: 'contact.lead.signed_up', item: render.contact(event.contact) }];
    case 'contact.archived':
    case 'contact.unarchived':
      return [{ topic: event.kind, item: render.contact(event.contact) }];
    case 'contact.deleted':
      return [
        {
          topic: 'contact.deleted',
          item: { type: 'contact', id: event.contact.id, external_id: event.contact.external_id },
        },
      ];
    case 'contact.merged':
      return [
        {
          topic: 'contact.merged',
          item: { ...render.contact(event.contact), merged_from: { type: 'contact', id: event.from.id } },
        },
      ];
    case 'contact.tagged':
    case 'contact.untagged': {
      const action = event.kind === 'contact.tagged' ? 'created' : 'deleted';
      return [
        {
          topic: `contact.${event.contact.role}.tag.${action}`,
          item: {
            type: 'contact_tag',
            created_at: now,
            tag: render.tag(event.tag),
            contact: render.contact(event.contact),
          },
        },
      ];
    }
    case 'company.created':
    case 'company.updated':
      return [{ topic: event.kind, item: render.company(event.company) }];
    case 'company.deleted':
      return [
        {
          topic: 'company.deleted',
          item: { type: 'company', id: event.company.id, company_id: event.company.company_id },
        },
      ];
    case 'company.attached':
    case 'company.detached':
      return [
        {
          topic: `company.contact.${event.kind === 'company.attached' ? 'attached' : 'detached'}`,
          item: {
            type: 'contact_company',
            created_at: now,
            company: render.company(event.company),
            contact: render.contact(event.contact),
          },
        },
      ];
    case 'note.created':
    case 'tag.created':
      return [];
  }
}

/** ≤2.4 names: no update, archive, merge or company-update topics existed (intercom-notes.md §5). */
function legacy(event: ChangeEvent, render: Renderers, now: number): TopicItem[] {
  const asUser = (c: ContactRecord) => ({
    ...render.contact(c),
    type: c.role === 'user' ? 'user' : 'contact',
  });
  switch (event.kind) {
    case 'contact.created':
      return [
        {
          topic: event.contact.role === 'user' ? 'user.created' : 'contact.created',
          item: asUser(event.contact),
        },
      ];
    case 'contact.updated':
      return event.contact.role === 'user' &&
        event.previous.role === 'user' &&
        event.contact.email !== event.previous.email
        ? [{ topic: 'user.email.updated', item: asUser(event.contact) }]
        : [];
    case 'contact.signed_up':
      return [{ topic: 'contact.signed_up', item: asUser(event.contact) }];
    case 'contact.deleted':
      return event.contact.role === 'user'
        ? [
            {
              topic: 'user.deleted',
              item: { type: 'user', id: event.contact.id, user_id: event.contact.external_id },
            },
          ]
        : [];
    case 'contact.tagged':
    case 'contact.untagged': {
      const action = event.kind === 'contact.tagged' ? 'created' : 'deleted';
      const c = event.contact;
      return c.role === 'user'
        ? [
            {
              topic: `user.tag.${action}`,
              item: {
                type: 'user_tag',
                created_at: now,
                tag: render.tag(event.tag),
                user: { type: 'user', id: c.id, user_id: c.external_id },
              },
            },
          ]
        : [
            {
              topic: `contact.tag.${action}`,
              item: {
                type: 'contact_tag',
                created_at: now,
                tag: render.tag(event.tag),
                contact: { type: 'contact', id: c.id },
              },
            },
          ];
    }
    case 'company.created':
      return [{ topic: 'company.created', item: render.company(event.company) }];
    default:
      return [];
  }
}
