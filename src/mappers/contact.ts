// Intercom contact JSON (spec and live shapes, notes §7) → a contacts row and its embedded lists.
import { z } from 'zod';
import { contentHash } from './content-hash.js';
import { parsePayload } from './invalid-payload.js';
import {
  customAttributes,
  intercomId,
  nullableBoolean,
  nullableInteger,
  nullableJsonObject,
  nullableString,
  unixTimestamp,
} from './payload-fields.js';
import { referenceListSchema } from './reference-list.js';
import type { ContactRow, JsonObject, ReferenceList } from './rows.js';

const contactSchema = z.looseObject({
  id: intercomId,
  workspace_id: nullableString,
  external_id: nullableString,
  role: z.enum(['user', 'lead']),
  email: nullableString,
  phone: nullableString,
  name: nullableString,
  avatar: nullableString,
  owner_id: nullableInteger,
  social_profiles: nullableJsonObject,
  has_hard_bounced: nullableBoolean,
  marked_email_as_spam: nullableBoolean,
  unsubscribed_from_emails: nullableBoolean,
  language_override: nullableString,
  browser: nullableString,
  browser_version: nullableString,
  browser_language: nullableString,
  os: nullableString,
  location: nullableJsonObject,
  custom_attributes: customAttributes,
  created_at: unixTimestamp,
  updated_at: unixTimestamp,
  signed_up_at: unixTimestamp,
  last_seen_at: unixTimestamp,
  last_replied_at: unixTimestamp,
  last_contacted_at: unixTimestamp,
  last_email_opened_at: unixTimestamp,
  last_email_clicked_at: unixTimestamp,
  archived: nullableBoolean,
  tags: referenceListSchema.nullish(),
  companies: referenceListSchema.nullish(),
  notes: referenceListSchema.nullish(),
});

/** A contact's embedded lists, and what a page needs to place them. */
export interface ContactLists {
  readonly intercomId: string;
  readonly updatedAt: Date | null;
  /** null when the payload carried no such list (then the stored links are left alone). */
  readonly tags: ReferenceList | null;
  readonly companies: ReferenceList | null;
  readonly notes: ReferenceList | null;
}

export interface MappedContact extends ContactLists {
  readonly row: ContactRow;
}

const contactListsSchema = contactSchema.pick({ id: true, updated_at: true, tags: true, companies: true, notes: true });

/**
 * Only the embedded lists of a contact payload: for a contact whose row is already stored as this
 * payload (its digest matches), so the row need not be mapped again. Throws like mapContact.
 * @example const { tags, notes } = mapContactLists(json);
 */
export function mapContactLists(payload: unknown): ContactLists {
  const c = parsePayload(contactListsSchema, payload, 'contact');
  return { intercomId: c.id, updatedAt: c.updated_at, tags: c.tags ?? null, companies: c.companies ?? null, notes: c.notes ?? null };
}

/**
 * Maps one contact payload; throws InvalidPayloadError naming the contact and field when invalid.
 * @example const { row, tags } = mapContact(json); if (!tags?.complete) fetchAllTags(row.intercom_id);
 */
export function mapContact(payload: unknown): MappedContact {
  const c = parsePayload(contactSchema, payload, 'contact');
  const row: ContactRow = {
    intercom_id: c.id,
    workspace_id: c.workspace_id,
    external_id: c.external_id,
    role: c.role,
    email: c.email,
    phone: c.phone,
    name: c.name,
    avatar: c.avatar,
    owner_id: c.owner_id,
    social_profiles: c.social_profiles,
    has_hard_bounced: c.has_hard_bounced,
    marked_email_as_spam: c.marked_email_as_spam,
    unsubscribed_from_emails: c.unsubscribed_from_emails,
    language_override: c.language_override,
    browser: c.browser,
    browser_version: c.browser_version,
    browser_language: c.browser_language,
    os: c.os,
    location: c.location,
    custom_attributes: c.custom_attributes,
    created_at: c.created_at,
    updated_at: c.updated_at,
    signed_up_at: c.signed_up_at,
    last_seen_at: c.last_seen_at,
    last_replied_at: c.last_replied_at,
    last_contacted_at: c.last_contacted_at,
    last_email_opened_at: c.last_email_opened_at,
    last_email_clicked_at: c.last_email_clicked_at,
    archived: c.archived,
    raw: payload as JsonObject,
    content_hash: contentHash(payload),
  };
  return {
    row,
    intercomId: c.id,
    updatedAt: c.updated_at,
    tags: c.tags ?? null,
    companies: c.companies ?? null,
    notes: c.notes ?? null,
  };
}
