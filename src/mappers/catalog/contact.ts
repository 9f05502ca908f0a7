// Every column of intercom.contacts the sync fills: its Postgres type, where Intercom's contact
// carries it, how it is parsed, whether the push writes it and whether verify compares it.
// Adding an Intercom field is one entry here (and a migration for the column).
import { defineCatalog } from './column.js';
import { boolean, intercomId, integer, jsonObject, oneOf, text, timestamp } from './parsers.js';

export const contactCatalog = defineCatalog({
  record: 'contact',
  table: 'intercom.contacts',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: intercomId, verify: false },
    workspace_id: { pg: 'text', parse: text },
    external_id: { pg: 'text', parse: text, push: 'value' },
    role: { pg: 'text', nullable: false, parse: oneOf('user', 'lead'), push: 'value' },
    email: { pg: 'text', parse: text, push: 'value' },
    phone: { pg: 'text', parse: text, push: 'value' },
    name: { pg: 'text', parse: text, push: 'value' },
    avatar: { pg: 'text', parse: text, push: 'value' },
    owner_id: { pg: 'bigint', parse: integer, push: 'value' },
    social_profiles: { pg: 'jsonb', parse: jsonObject },
    has_hard_bounced: { pg: 'boolean', parse: boolean },
    marked_email_as_spam: { pg: 'boolean', parse: boolean },
    unsubscribed_from_emails: { pg: 'boolean', parse: boolean, push: 'value' },
    language_override: { pg: 'text', parse: text },
    browser: { pg: 'text', parse: text },
    browser_version: { pg: 'text', parse: text },
    browser_language: { pg: 'text', parse: text },
    os: { pg: 'text', parse: text },
    location: { pg: 'jsonb', parse: jsonObject },
    custom_attributes: { pg: 'jsonb', nullable: false, parse: jsonObject, nullAs: {}, push: 'value' },
    created_at: { pg: 'timestamptz', parse: timestamp },
    updated_at: { pg: 'timestamptz', parse: timestamp },
    signed_up_at: { pg: 'timestamptz', parse: timestamp, push: 'unix-seconds' },
    last_seen_at: { pg: 'timestamptz', parse: timestamp, push: 'unix-seconds' },
    last_replied_at: { pg: 'timestamptz', parse: timestamp },
    last_contacted_at: { pg: 'timestamptz', parse: timestamp },
    last_email_opened_at: { pg: 'timestamptz', parse: timestamp },
    last_email_clicked_at: { pg: 'timestamptz', parse: timestamp },
    archived: {
      pg: 'boolean',
      nullable: false,
      parse: boolean,
      // Archived and unarchived through endpoints of their own (docs/intercom-api.md#identity).
      push: 'own-endpoint',
      // 2.2 contact objects do not carry `archived`; archive state then comes from webhooks.
      keepWhenNull: { insert: false },
      // List and search return only active contacts, so a listed contact that does not say is not archived.
      listedAs: false,
    },
    raw: { pg: 'jsonb', source: 'payload' },
    // Equal payloads, equal rows: saveContacts skips a contact whose stored digest matches (migration 0003).
    content_hash: { pg: 'text', source: 'digest' },
  },
  local: {
    id: 'the local key (link tables and the outbox refer to it)',
    deleted_at: 'set when Intercom no longer has the contact',
    merged_into_id: 'the contact a merged-away lead went into',
  },
});
