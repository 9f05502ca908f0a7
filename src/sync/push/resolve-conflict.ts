// Deciding a conflict again (`conflicts resolve`): the chosen side's value is written into the row
// as a plain local edit, so the outbox captures it and the push sends it like any other.
import { getConflict, markConflictResolved } from '../../db/conflicts.js';
import { writeFields, type RecordTable } from '../../db/row-fields.js';
import type { Executor } from '../../db/sync-writes.js';
import { COMPANY_TIMESTAMPS, CONTACT_TIMESTAMPS } from '../../mappers/push-input.js';

const TABLES: Readonly<Record<string, RecordTable>> = {
  contact: 'intercom.contacts',
  company: 'intercom.companies',
};
const TIMESTAMPS: ReadonlySet<string> = new Set([...CONTACT_TIMESTAMPS, ...COMPANY_TIMESTAMPS]);

export type ConflictSide = 'local' | 'remote';

/**
 * Takes `side` for conflict `id`: a field conflict's value is written into its row (not as the
 * sync's write: it is pushed), and the conflict is marked resolved. Returns the conflict, or
 * undefined when there is none with that id.
 * @example const conflict = await resolveConflict(db, 12, 'local');
 */
export async function resolveConflict(db: Executor, id: number, side: ConflictSide) {
  const conflict = await getConflict(db, id);
  if (!conflict) return undefined;
  const table = TABLES[conflict.entity];
  if (conflict.kind === 'field' && conflict.field && table && conflict.row_id !== null) {
    const value = side === 'local' ? conflict.local_value : conflict.remote_value;
    await writeFields(db, table, conflict.row_id, { [conflict.field]: columnValue(conflict.field, value) });
  }
  await markConflictResolved(db, conflict.id, side);
  return conflict;
}

/** Conflicts keep timestamps as the API's UNIX seconds; the columns are timestamptz. */
function columnValue(field: string, value: unknown): unknown {
  return TIMESTAMPS.has(field) && typeof value === 'number' ? new Date(value * 1000).toISOString() : value;
}
