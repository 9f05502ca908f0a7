// The mirror rows a push reads and writes back: Intercom's answer into the local row (which takes
// the place of any row an inbound sync mirrored meanwhile), a pushed note, and the archived flag.
import { sql } from 'kysely';
import type { RecordTable } from './row-fields.js';
import type { Executor } from './sync-writes.js';

/**
 * Writes `row` (Intercom's answer as mapped) into the local row `rowId`, live again. An inbound sync
 * or webhook may have mirrored a just-created record before this answer was written back: that row
 * is the same record, so it gives way to the local one (unless the record was already `knownAs`
 * this id: an update cannot collide).
 * @example await writePushedRecord(trx, 'intercom.contacts', rowId, row, previousIntercomId);
 */
export async function writePushedRecord(
  trx: Executor,
  table: RecordTable,
  rowId: number,
  row: Readonly<Record<string, unknown>>,
  knownAs: string | null | undefined,
): Promise<void> {
  if (row.intercom_id && row.intercom_id !== knownAs) {
    await trx
      .deleteFrom(table)
      .where('intercom_id', '=', String(row.intercom_id))
      .where('id', '<>', rowId)
      .execute();
  }
  await trx
    .updateTable(table)
    .set({ ...row, deleted_at: null } as never)
    .where('id', '=', rowId)
    .execute();
}

/** A note row by local id. @example const note = await readNote(ctx.db, noteRowId); */
export function readNote(db: Executor, rowId: number) {
  return db.selectFrom('intercom.notes').selectAll().where('id', '=', rowId).executeTakeFirst();
}

export interface PushedNote {
  readonly intercom_id: string;
  readonly author_id: string;
  readonly created_at: Date | null;
  readonly raw: unknown;
}

/**
 * Writes a created note's Intercom id, author, time and payload into its local row. A sync may
 * have read the new note before this answer was written back: same note, one row.
 * @example await writePushedNote(trx, noteRowId, { intercom_id, author_id, created_at, raw });
 */
export async function writePushedNote(trx: Executor, rowId: number, note: PushedNote): Promise<void> {
  await trx
    .deleteFrom('intercom.notes')
    .where('intercom_id', '=', note.intercom_id)
    .where('id', '<>', rowId)
    .execute();
  await trx
    .updateTable('intercom.notes')
    .set({
      intercom_id: note.intercom_id,
      author_id: note.author_id,
      created_at: note.created_at,
      raw: sql`${JSON.stringify(note.raw)}::jsonb`,
    })
    .where('id', '=', rowId)
    .execute();
}

/** Sets a contact row's archived flag (as Intercom now has it). */
export async function setContactArchived(db: Executor, rowId: number, archived: boolean): Promise<void> {
  await db.updateTable('intercom.contacts').set({ archived }).where('id', '=', rowId).execute();
}
