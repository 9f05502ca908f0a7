// Merge requests (intercom.contact_merges) and what a merge does to the mirror: the lead's notes,
// tags and companies move to the user, the lead is marked merged, the request gets its outcome.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

/** A merge request by id, with both contacts' Intercom ids and roles (null where a row is gone). */
export async function readMergeRequest(db: Executor, id: number) {
  const result = await sql<{
    id: number;
    status: string;
    from_contact_id: number | null;
    into_contact_id: number | null;
    from_intercom_id: string | null;
    into_intercom_id: string | null;
    from_role: string | null;
    into_role: string | null;
    from_deleted: boolean | null;
    into_deleted: boolean | null;
  }>`
    select m.id, m.status, m.from_contact_id, m.into_contact_id,
           f.intercom_id as from_intercom_id, i.intercom_id as into_intercom_id,
           f.role as from_role, i.role as into_role,
           f.deleted_at is not null as from_deleted, i.deleted_at is not null as into_deleted
    from intercom.contact_merges m
    left join intercom.contacts f on f.id = m.from_contact_id
    left join intercom.contacts i on i.id = m.into_contact_id
    where m.id = ${id}`.execute(db);
  const row = result.rows[0];
  return row && { ...row, id: Number(row.id) };
}

/** Records a request's outcome. @example await finishMergeRequest(trx, 3, { status: 'failed', error }); */
export async function finishMergeRequest(
  db: Executor,
  id: number,
  outcome:
    | { readonly status: 'merged'; readonly fromIntercomId: string; readonly intoIntercomId: string }
    | { readonly status: 'failed'; readonly error: string },
): Promise<void> {
  await db
    .updateTable('intercom.contact_merges')
    .set(
      outcome.status === 'merged'
        ? {
            status: 'merged',
            error: null,
            merged_at: new Date(),
            from_intercom_id: outcome.fromIntercomId,
            into_intercom_id: outcome.intoIntercomId,
          }
        : { status: 'failed', error: outcome.error },
    )
    .where('id', '=', id)
    .execute();
}

/**
 * Moves what hangs off the lead row to the user row, as Intercom's merge does (notes, tags,
 * companies), and marks the lead merged into `intoIntercomId`.
 * @example await moveMergedLead(trx, leadRowId, userRowId, userIntercomId);
 */
export async function moveMergedLead(
  trx: Executor,
  fromRowId: number,
  intoRowId: number,
  intoIntercomId: string,
): Promise<void> {
  await trx
    .updateTable('intercom.notes')
    .set({ contact_id: intoRowId })
    .where('contact_id', '=', fromRowId)
    .execute();
  for (const [table, column] of [
    ['intercom.contact_tags', 'tag_id'],
    ['intercom.contact_companies', 'company_id'],
  ] as const) {
    await sql`
      insert into ${sql.table(table)} (contact_id, ${sql.id(column)})
      select ${intoRowId}::bigint, ${sql.id(column)} from ${sql.table(table)} where contact_id = ${fromRowId}
      on conflict do nothing`.execute(trx);
    await sql`delete from ${sql.table(table)} where contact_id = ${fromRowId}`.execute(trx);
  }
  await trx
    .updateTable('intercom.contacts')
    .set({ deleted_at: new Date(), merged_into_id: intoIntercomId })
    .where('id', '=', fromRowId)
    .execute();
}
