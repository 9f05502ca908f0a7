// Bulk upsert of contacts: newer-wins, unchanged rows untouched, deleted contacts revived when seen.
import { contactCatalog } from '../mappers/catalog/contact.js';
import type { ContactRow } from '../mappers/rows.js';
import {
  catalogColumns,
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

/** The columns are the contact catalog's (mappers/catalog/contact.ts). */
export const contactsTable: MirrorTableSpec<ContactRow> = {
  table: 'intercom.contacts',
  columns: catalogColumns<ContactRow>(contactCatalog),
  ordered: true,
  snapshots: 'contact',
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
