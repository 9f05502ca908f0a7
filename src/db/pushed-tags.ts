// The tag rows a push reads and writes back: a tag by local id, Intercom's answer for a tag
// created or renamed from Postgres, and the links of a tag row folded into the row that wins.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export interface TagRowRef {
  readonly id: number;
  readonly intercom_id: string | null;
  readonly name: string;
}

/** A tag row by local id; undefined when it is gone. @example const tag = await readTag(ctx.db, 12); */
export async function readTag(db: Executor, rowId: number): Promise<TagRowRef | undefined> {
  const row = await db
    .selectFrom('intercom.tags')
    .select(['id', 'intercom_id', 'name'])
    .where('id', '=', rowId)
    .executeTakeFirst();
  return row ? { ...row, id: Number(row.id) } : undefined;
}

/**
 * Writes Intercom's answer (`POST /tags` is create-or-update by name) into tag row `rowId`. Another
 * row may already mirror that tag (it existed under this name, or a sync read it meanwhile): that
 * row gives way, its links moving to `rowId` first, so one tag is one row and no link is lost.
 * @example await writePushedTag(trx, tagRowId, { intercom_id: '17', name: 'vip', raw });
 */
export async function writePushedTag(
  trx: Executor,
  rowId: number,
  tag: { readonly intercom_id: string; readonly name: string; readonly raw: unknown },
): Promise<void> {
  const other = await trx
    .selectFrom('intercom.tags')
    .select('id')
    .where('intercom_id', '=', tag.intercom_id)
    .where('id', '<>', rowId)
    .executeTakeFirst();
  if (other) {
    const from = Number(other.id);
    await sql`
      insert into intercom.contact_tags (contact_id, tag_id)
      select contact_id, ${rowId}::bigint from intercom.contact_tags where tag_id = ${from}
      on conflict do nothing`.execute(trx);
    await sql`
      insert into intercom.company_tags (company_id, tag_id)
      select company_id, ${rowId}::bigint from intercom.company_tags where tag_id = ${from}
      on conflict do nothing`.execute(trx);
    await trx.deleteFrom('intercom.tags').where('id', '=', from).execute();
  }
  await trx
    .updateTable('intercom.tags')
    .set({
      intercom_id: tag.intercom_id,
      name: tag.name,
      deleted_at: null,
      raw: sql`${JSON.stringify(tag.raw)}::jsonb`,
    })
    .where('id', '=', rowId)
    .execute();
}
