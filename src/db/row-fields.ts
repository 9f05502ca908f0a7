// Writes chosen fields into a contact or company row, each value cast to its column's own type, in
// one statement: what a push restores when Intercom won a conflict, and what `conflicts resolve` takes.
import { sql } from 'kysely';
import { parseFieldPath } from '../mappers/field-path.js';
import type { Executor } from './sync-writes.js';

export type RecordTable = 'intercom.contacts' | 'intercom.companies';

/**
 * Sets each field of `values` on row `rowId`: a column name, or `custom_attributes.<key>` for one
 * custom attribute. Values are JSON (timestamps as ISO strings); jsonb_populate_record over the row
 * casts each to its column's type (text, boolean, timestamptz, numeric), and undefined means null.
 * Runs on `db` as given: inside withSyncWrites the write is the sync's own, outside it is a local
 * edit that the outbox captures and pushes.
 * @example await writeFields(trx, 'intercom.contacts', 42, { name: 'Ada', 'custom_attributes.plan': 'pro' });
 */
export async function writeFields(
  db: Executor,
  table: RecordTable,
  rowId: number,
  values: Readonly<Record<string, unknown>>,
): Promise<void> {
  // No prototype: a custom attribute named `__proto__` is set as a key, not swallowed.
  const attributes = Object.create(null) as Record<string, unknown>;
  const columns = Object.create(null) as Record<string, unknown>;
  for (const [field, value] of Object.entries(values)) {
    const { column, key } = parseFieldPath(field);
    if (key !== null) attributes[key] = value ?? null;
    else columns[column] = value ?? null;
  }
  const sets = [
    ...Object.keys(columns).map(
      (c) => sql`${sql.ref(c)} = (jsonb_populate_record(t, ${JSON.stringify(columns)}::jsonb)).${sql.ref(c)}`,
    ),
    ...(Object.keys(attributes).length > 0
      ? [sql`custom_attributes = t.custom_attributes || ${JSON.stringify(attributes)}::jsonb`]
      : []),
  ];
  if (sets.length === 0) return;
  await sql`update ${sql.table(table)} t set ${sql.join(sets)} where id = ${rowId}`.execute(db);
}
