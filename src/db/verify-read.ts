// The mirror side of verify: reads stored rows, links, notes and live ids from Postgres, batched by
// the ids of one page read from Intercom. Read-only, like verify itself.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

/** A mirror row as stored, every column (verify compares them). */
export type StoredRow = Record<string, unknown> & { intercom_id: string; deleted_at: Date | null };

/** The stored rows of `table` for these Intercom ids, deleted ones included. */
export async function storedRows(
  db: Executor,
  table: string,
  ids: readonly string[],
): Promise<Map<string, StoredRow>> {
  if (ids.length === 0) return new Map();
  const result = await sql<StoredRow>`
    select * from ${sql.table(table)} where intercom_id = any(${ids}::text[])`.execute(db);
  return new Map(result.rows.map((r) => [r.intercom_id, r]));
}

/** One kind of link of a parent: its join table, the child table, and the join table's child column. */
interface LinkTable {
  readonly key: string;
  readonly table: string;
  readonly child: string;
  readonly childColumn: string;
}

const PARENTS: Record<'contact' | 'company', { table: string; links: readonly LinkTable[] }> = {
  contact: {
    table: 'contacts',
    links: [
      { key: 'tags', table: 'contact_tags', child: 'tags', childColumn: 'tag_id' },
      { key: 'companies', table: 'contact_companies', child: 'companies', childColumn: 'company_id' },
    ],
  },
  company: {
    table: 'companies',
    links: [
      { key: 'tags', table: 'company_tags', child: 'tags', childColumn: 'tag_id' },
      { key: 'segments', table: 'company_segments', child: 'segments', childColumn: 'segment_id' },
    ],
  },
};

/** The mirrored links of parents (`contact` or `company`), keyed `tags:<id>`, `companies:<id>`, `segments:<id>`. */
export async function storedLinks(
  db: Executor,
  parent: 'contact' | 'company',
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  const { table, links } = PARENTS[parent];
  // One query per page: each kind of link is one arm of a union, told apart by its key prefix.
  const arms = links.map(
    (link) => sql<{ key: string; ids: string[] }>`
      select ${`${link.key}:`}::text || p.intercom_id as key, array_agg(ch.intercom_id) as ids
      from ${sql.table(`intercom.${table}`)} p
        join ${sql.table(`intercom.${link.table}`)} l on ${sql.ref(`l.${parent}_id`)} = p.id
        join ${sql.table(`intercom.${link.child}`)} ch on ch.id = ${sql.ref(`l.${link.childColumn}`)}
      where p.intercom_id = any(${ids}::text[]) group by p.intercom_id`,
  );
  const result = await sql<{ key: string; ids: string[] }>`${sql.join(arms, sql` union all `)}`.execute(db);
  return new Map(result.rows.map((r) => [r.key, r.ids]));
}

/** The live notes' Intercom ids per contact Intercom id. */
export async function storedNotes(
  db: Executor,
  contactIds: readonly string[],
): Promise<Map<string, string[]>> {
  if (contactIds.length === 0) return new Map();
  const result = await sql<{ contact: string; ids: string[] }>`
    select c.intercom_id as contact, array_agg(n.intercom_id) as ids
    from intercom.contacts c join intercom.notes n on n.contact_id = c.id and n.deleted_at is null
    where c.intercom_id = any(${contactIds}::text[]) group by c.intercom_id`.execute(db);
  return new Map(result.rows.map((r) => [r.contact, r.ids]));
}

/** Ids of the live rows (not deleted; for contacts, not archived) of one table. */
export async function liveIds(
  db: Executor,
  entity: 'contacts' | 'companies' | 'tags' | 'segments',
): Promise<string[]> {
  const archived = entity === 'contacts' ? sql`and not archived` : sql``;
  const result = await sql<{ intercom_id: string }>`
    select intercom_id from ${sql.table(`intercom.${entity}`)}
    where intercom_id is not null and deleted_at is null ${archived}`.execute(db);
  return result.rows.map((r) => r.intercom_id);
}
