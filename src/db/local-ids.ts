// Resolves between Intercom ids and local ids: in bulk (creating placeholder rows for children not
// mirrored yet), and one row at a time for a push.
import { sql } from 'kysely';
import type { Reference } from '../mappers/rows.js';
import type { Executor } from './sync-writes.js';

export type MirrorEntityTable =
  'intercom.contacts' | 'intercom.companies' | 'intercom.tags' | 'intercom.segments';

/**
 * Local id per Intercom id, for the ids that are mirrored (soft-deleted rows included).
 * @example const ids = await localIds(db, 'intercom.contacts', ['5f7b…']);
 */
export async function localIds(
  db: Executor,
  table: MirrorEntityTable,
  intercomIds: readonly string[],
): Promise<Map<string, number>> {
  if (intercomIds.length === 0) return new Map();
  const unique = [...new Set(intercomIds)];
  const result = await sql<{ intercom_id: string; id: number }>`
    select intercom_id, id from ${sql.table(table)} where intercom_id = any(${unique}::text[])`.execute(db);
  return new Map(result.rows.map((r) => [r.intercom_id, r.id]));
}

/**
 * Inserts a placeholder for each referenced child not mirrored yet, so a link to it can be
 * written now; the full record fills the row when its own list is synced (its raw stays null
 * until then). Returns how many placeholders were created.
 */
export async function ensureChildren(
  db: Executor,
  table: MirrorEntityTable,
  refs: readonly Reference[],
  linkedFrom?: LinkedFrom,
): Promise<number> {
  if (refs.length === 0) return 0;
  const names = new Map<string, string | null>();
  for (const ref of refs) names.set(ref.intercomId, ref.name ?? names.get(ref.intercomId) ?? null);
  // Sorted, so concurrent writers take the unique-index locks in one order and cannot deadlock.
  const ids = [...names.keys()].sort();
  // tags.name and segments.name are not null, and embedded references carry no name: a
  // placeholder gets '' until the tag or segment list fills it.
  const name = table === 'intercom.companies' ? sql`s.name` : sql`coalesce(s.name, '')`;
  // Only children some mirrored parent links to, when the parents are given.
  const linked = linkedFrom
    ? sql`and exists (
        select 1 from unnest(${linkedFrom.parents}::text[], ${linkedFrom.children}::text[]) as l(parent, child)
        join ${sql.table(linkedFrom.table)} p on p.intercom_id = l.parent
        where l.child = s.intercom_id)`
    : sql``;
  const result = await sql`
    insert into ${sql.table(table)} (intercom_id, name)
    select s.intercom_id, ${name} from unnest(${ids}::text[], ${ids.map((id) => names.get(id) ?? null)}::text[]) as s(intercom_id, name)
    where not exists (select 1 from ${sql.table(table)} x where x.intercom_id = s.intercom_id) ${linked}
    on conflict (intercom_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Pairs (parent, child) by Intercom id, and the parents' table: a child only placed for a mirrored parent. */
export interface LinkedFrom {
  readonly table: MirrorEntityTable;
  readonly parents: readonly string[];
  readonly children: readonly string[];
}

/**
 * The Intercom id of local row `rowId`: null while it has none (not pushed yet), undefined when
 * the row is gone.
 * @example const contact = await intercomIdOfRow(ctx.db, 'intercom.contacts', contactRowId);
 */
export async function intercomIdOfRow(
  db: Executor,
  table: 'intercom.contacts' | 'intercom.companies',
  rowId: number,
): Promise<string | null | undefined> {
  const row = await db.selectFrom(table).select('intercom_id').where('id', '=', rowId).executeTakeFirst();
  return row ? (row.intercom_id ?? null) : undefined;
}

/**
 * The local contact row mirroring Intercom contact `intercomId`, if any (soft-deleted rows included).
 * @example const linked = await contactRowOf(ctx.db, error.conflictId);
 */
export function contactRowOf(db: Executor, intercomId: string) {
  return db
    .selectFrom('intercom.contacts')
    .select(['id', 'created_at'])
    .where('intercom_id', '=', intercomId)
    .executeTakeFirst();
}

/**
 * The mirrored contact a lost create of `row` made, if its webhook or a sync brought it in: another
 * row, never changed locally (so the sync wrote it), created in Intercom after `after`, with the
 * row's role and the same email, phone and (users) external_id — and name, only when it has none of
 * those (it may have been renamed since). The newest such, by Intercom id.
 * @example const found = await mirroredLostCreate(ctx.db, row, attemptedAt);
 */
export async function mirroredLostCreate(
  db: Executor,
  row: Readonly<Record<string, unknown>> & { id: number },
  after: Date,
): Promise<string | undefined> {
  const text = (column: string) => (typeof row[column] === 'string' ? (row[column] as string) : null);
  const role = text('role') ?? 'user';
  // The name only for a row with no email, phone or (users) external id: a row renamed since the
  // lost create was sent has another name than the contact that create made.
  const byName = !text('email') && !text('phone') && (role === 'lead' || !text('external_id'));
  const result = await sql<{ intercom_id: string }>`
    select c.intercom_id from intercom.contacts c
    where c.id <> ${row.id} and c.intercom_id is not null and c.deleted_at is null
      and c.created_at >= ${after} and c.role = ${role}
      and c.email is not distinct from ${text('email')} and c.phone is not distinct from ${text('phone')}
      and (${byName} = false or c.name is not distinct from ${text('name')})
      and (${role} = 'lead' or c.external_id is not distinct from ${text('external_id')})
      and not exists (select 1 from intercom_sync.outbox o where o.entity = 'contact' and o.row_id = c.id)
    order by c.created_at desc, c.intercom_id desc limit 1`.execute(db);
  return result.rows[0]?.intercom_id;
}
