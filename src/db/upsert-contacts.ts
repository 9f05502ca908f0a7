// Bulk upsert of contacts: newer-wins, unchanged rows untouched, deleted contacts revived when seen.
import { sql } from 'kysely';
import type { ContactRow } from '../mappers/rows.js';
import {
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

export const contactsTable: MirrorTableSpec<ContactRow> = {
  table: 'intercom.contacts',
  columns: [
    { name: 'intercom_id', type: 'text' },
    { name: 'workspace_id', type: 'text' },
    { name: 'external_id', type: 'text' },
    { name: 'role', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'phone', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'avatar', type: 'text' },
    { name: 'owner_id', type: 'bigint' },
    { name: 'social_profiles', type: 'jsonb' },
    { name: 'has_hard_bounced', type: 'boolean' },
    { name: 'marked_email_as_spam', type: 'boolean' },
    { name: 'unsubscribed_from_emails', type: 'boolean' },
    { name: 'language_override', type: 'text' },
    { name: 'browser', type: 'text' },
    { name: 'browser_version', type: 'text' },
    { name: 'browser_language', type: 'text' },
    { name: 'os', type: 'text' },
    { name: 'location', type: 'jsonb' },
    { name: 'custom_attributes', type: 'jsonb' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'updated_at', type: 'timestamptz' },
    { name: 'signed_up_at', type: 'timestamptz' },
    { name: 'last_seen_at', type: 'timestamptz' },
    { name: 'last_replied_at', type: 'timestamptz' },
    { name: 'last_contacted_at', type: 'timestamptz' },
    { name: 'last_email_opened_at', type: 'timestamptz' },
    { name: 'last_email_clicked_at', type: 'timestamptz' },
    // 2.2 contact objects do not carry `archived`; archive state then comes from webhooks.
    { name: 'archived', type: 'boolean', keepWhenNull: { insert: sql`false` } },
    { name: 'raw', type: 'jsonb' },
    // Equal payloads, equal rows: saveContacts skips a contact whose stored digest matches (migration 0003).
    { name: 'content_hash', type: 'text', digest: true },
  ],
  ordered: true,
  revive: ['deleted_at', 'merged_into_id'],
};

/**
 * Upserts contacts by Intercom id; a row older than the stored one, or equal to it, writes nothing.
 * @example const { inserted, updated, unchanged } = await upsertContacts(db, page.data.map((c) => mapContact(c).row));
 */
export function upsertContacts(
  db: Executor,
  rows: readonly ContactRow[],
  options?: UpsertOptions,
): Promise<UpsertCounts> {
  return upsertMirrorRows(db, contactsTable, rows, options);
}
