// After a push, the mirror row becomes what Intercom returned and that becomes the agreed
// snapshot: the same state coming back by webhook or poll then changes nothing (no echo).
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { mapCompany } from '../../mappers/company.js';
import { mapContact } from '../../mappers/contact.js';
import type { Company, Contact } from '../../intercom/types.js';
import type { SyncContext } from '../context.js';

type Entity = 'contact' | 'company';

/**
 * Writes Intercom's answer into the row `rowId`, leaving alone the columns in `keep` (changed
 * locally again while this push was in flight: their own push follows).
 * @example await writeBack(ctx, 'contact', rowId, updated, new Set());
 */
export async function writeBack(
  ctx: SyncContext,
  entity: Entity,
  rowId: number,
  payload: Contact | Company,
  keep: ReadonlySet<string>,
  also?: (trx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  const row: Record<string, unknown> =
    entity === 'contact' ? { ...mapContact(payload).row } : { ...mapCompany(payload).row };
  for (const column of keep) delete row[column];
  if (row.archived === null) delete row.archived;
  const table = entity === 'contact' ? 'intercom.contacts' : 'intercom.companies';
  await withSyncWrites(ctx.db, async (trx) => {
    // An inbound sync or webhook may have mirrored a just-created record before this answer was
    // written back: that row is the same record, so it gives way to the local one.
    if (row.intercom_id) {
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
    const { raw: _raw, ...agreed } = row;
    await trx
      .insertInto('intercom_sync.snapshots')
      .values({
        entity,
        row_id: rowId,
        intercom_id: String(row.intercom_id ?? ''),
        data: JSON.stringify(agreed),
        remote_updated_at: (row.updated_at as Date | null) ?? null,
      })
      .onConflict((oc) =>
        oc.columns(['entity', 'row_id']).doUpdateSet((eb) => ({
          intercom_id: eb.ref('excluded.intercom_id'),
          data: eb.ref('excluded.data'),
          remote_updated_at: eb.ref('excluded.remote_updated_at'),
          agreed_at: new Date(),
        })),
      )
      .execute();
    await also?.(trx);
  });
}

/** Forgets a record's snapshot (it was deleted). */
export async function dropSnapshot(ctx: SyncContext, entity: string, rowId: number): Promise<void> {
  await ctx.db
    .deleteFrom('intercom_sync.snapshots')
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .execute();
}

/**
 * Intercom's state of a record as last seen, and when Intercom last changed it: the snapshot the
 * capture trigger keeps while local changes wait, or (none yet) the row before the first change.
 * @example const remote = await remoteView(ctx, 'contact', rowId, changes[0].old_data);
 */
export async function remoteView(
  ctx: SyncContext,
  entity: Entity,
  rowId: number,
  before: Readonly<Record<string, unknown>> | null,
): Promise<{ current: Readonly<Record<string, unknown>>; remoteUpdatedAt: Date | null }> {
  const snapshot = await ctx.db
    .selectFrom('intercom_sync.snapshots')
    .select(['data', 'remote_updated_at'])
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .executeTakeFirst();
  if (snapshot)
    return { current: snapshot.data as Record<string, unknown>, remoteUpdatedAt: snapshot.remote_updated_at };
  const updated = before?.updated_at;
  return { current: before ?? {}, remoteUpdatedAt: typeof updated === 'string' ? new Date(updated) : null };
}

/**
 * Puts Intercom's values back into the row for fields whose conflict Intercom won, when no call
 * was made (a call's answer carries them already).
 */
export async function restoreRemoteFields(
  trx: Transaction<Database>,
  entity: Entity,
  rowId: number,
  fields: readonly string[],
  remote: Readonly<Record<string, unknown>>,
): Promise<void> {
  const table = sql.table(entity === 'contact' ? 'intercom.contacts' : 'intercom.companies');
  for (const field of fields) {
    if (field.startsWith('custom_attributes.')) {
      const key = field.slice('custom_attributes.'.length);
      const value = ((remote.custom_attributes ?? {}) as Record<string, unknown>)[key] ?? null;
      await sql`update ${table} set custom_attributes = custom_attributes || jsonb_build_object(${key}::text, ${JSON.stringify(value)}::jsonb) where id = ${rowId}`.execute(
        trx,
      );
    } else {
      const json = JSON.stringify({ [field]: remote[field] ?? null });
      await sql`update ${table} t set ${sql.ref(field)} = (jsonb_populate_record(t, ${json}::jsonb)).${sql.ref(field)} where id = ${rowId}`.execute(
        trx,
      );
    }
  }
}
