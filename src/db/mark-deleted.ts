// Deletes and archives Intercom announced one by one (webhooks, a merge, a 404 on look-up).
import { sql } from 'kysely';
import { withSyncWrites, type Executor } from './sync-writes.js';
import type { MirrorEntity } from './mark-and-sweep.js';

export interface MarkDeletedOptions {
  /**
   * The contact the deleted ones were merged into (contacts only; docs/intercom-api.md#archive-delete-merge).
   */
  readonly mergedInto?: string;
}

/**
 * Marks rows deleted by Intercom id; rows already marked keep their first deleted_at.
 * Returns how many rows changed.
 * @example await markDeleted(db, 'contacts', [leadId], { mergedInto: userId });
 */
export async function markDeleted(
  db: Executor,
  entity: MirrorEntity,
  intercomIds: readonly string[],
  options: MarkDeletedOptions = {},
): Promise<number> {
  if (intercomIds.length === 0) return 0;
  if (options.mergedInto !== undefined && entity !== 'contacts') {
    throw new Error(`markDeleted: only contacts are merged, not ${entity}`);
  }
  const table = sql.table(`intercom.${entity}`);
  const merged = options.mergedInto ?? null;
  return withSyncWrites(db, async (trx) => {
    const result =
      entity === 'contacts'
        ? await sql`
            update ${table} set deleted_at = coalesce(deleted_at, now()), merged_into_id = ${merged}
            where intercom_id = any(${intercomIds}::text[])
              and (deleted_at is null or merged_into_id is distinct from ${merged})`.execute(trx)
        : await sql`
            update ${table} set deleted_at = now()
            where intercom_id = any(${intercomIds}::text[]) and deleted_at is null`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}

/**
 * Sets contacts' archived flag (archive and unarchive webhooks). Returns how many rows changed.
 * @example await markArchived(db, [contactId]); await markArchived(db, [contactId], false);
 */
export async function markArchived(
  db: Executor,
  intercomIds: readonly string[],
  archived = true,
): Promise<number> {
  if (intercomIds.length === 0) return 0;
  return withSyncWrites(db, async (trx) => {
    const result = await trx
      .updateTable('intercom.contacts')
      .set({ archived })
      .where('intercom_id', 'in', intercomIds)
      .where('archived', '!=', archived)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
