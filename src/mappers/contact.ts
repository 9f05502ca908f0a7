// Intercom contact JSON (spec and live shapes, docs/intercom-api.md#identity) → a contacts row (by
// the contact catalog) and its embedded lists.
import { contactCatalog } from './catalog/contact.js';
import { mapColumn, mapRow } from './catalog/map-row.js';
import { embeddedList } from './reference-list.js';
import type { ContactRow, ReferenceList } from './rows.js';

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
  /** Columns whose field the payload does not carry (the row holds null for them): see MappedRow. */
  readonly absent: readonly (keyof ContactRow)[];
}

/**
 * Only the embedded lists of a contact payload: for a contact whose row is already stored as this
 * payload (its digest matches), so the row need not be mapped again. Throws like mapContact.
 * @example const { tags, notes } = mapContactLists(json);
 */
export function mapContactLists(payload: unknown): ContactLists {
  const intercomId = mapColumn(contactCatalog, payload, 'intercom_id');
  const updatedAt = mapColumn(contactCatalog, payload, 'updated_at');
  return { intercomId, updatedAt, ...lists(payload as Record<string, unknown>) };
}

/**
 * Maps one contact payload; throws InvalidPayloadError naming the contact and field when invalid.
 * @example const { row, tags } = mapContact(json); if (!tags?.complete) fetchAllTags(row.intercom_id);
 */
export function mapContact(payload: unknown): MappedContact {
  const { row, absent } = mapRow(contactCatalog, payload);
  return {
    row,
    absent,
    intercomId: row.intercom_id,
    updatedAt: row.updated_at,
    ...lists(payload as Record<string, unknown>),
  };
}

function lists(payload: Readonly<Record<string, unknown>>) {
  return {
    tags: embeddedList(payload, 'tags', 'contact'),
    companies: embeddedList(payload, 'companies', 'contact'),
    notes: embeddedList(payload, 'notes', 'contact'),
  };
}
