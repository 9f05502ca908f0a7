// Bulk upsert of notes, each attached to the local contact found from its contact's Intercom id.
import type { NoteRow } from '../mappers/rows.js';
import {
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

// Notes have no updated_at in the API; an edited body is caught by the content comparison.
export const notesTable: MirrorTableSpec<NoteRow> = {
  table: 'intercom.notes',
  columns: [
    { name: 'intercom_id', type: 'text' },
    { name: 'contact_intercom_id', type: 'text' },
    { name: 'author_id', type: 'text' },
    { name: 'body', type: 'text' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'raw', type: 'jsonb' },
  ],
  ordered: false,
  revive: ['deleted_at'],
  parent: { column: 'contact_id', key: 'contact_intercom_id', table: 'intercom.contacts' },
};

/**
 * Upserts notes by Intercom id. A note whose contact is not mirrored yet is not written and is
 * counted as `unresolved` (upsert the contact first; its notes are fetched after it).
 * @example await upsertNotes(db, page.data.map((n) => mapNote(n, { contactIntercomId })));
 */
export function upsertNotes(
  db: Executor,
  rows: readonly NoteRow[],
  options?: UpsertOptions,
): Promise<UpsertCounts> {
  return upsertMirrorRows(db, notesTable, rows, options);
}
