// Writes the link tables from Intercom ids: only the pairs that changed, placeholders for unknown children.
import { sql } from 'kysely';
import type { Reference } from '../mappers/rows.js';
import { withSyncWrites, type Executor } from './sync-writes.js';
import { ensureChildren, type MirrorEntityTable } from './local-ids.js';

export type LinkKind =
  'contact_tags' | 'contact_companies' | 'company_tags' | 'contact_segments' | 'company_segments';

interface LinkSpec {
  readonly parentTable: MirrorEntityTable;
  readonly parentColumn: string;
  readonly childTable: MirrorEntityTable;
  readonly childColumn: string;
}

const links: Record<LinkKind, LinkSpec> = {
  contact_tags: {
    parentTable: 'intercom.contacts',
    parentColumn: 'contact_id',
    childTable: 'intercom.tags',
    childColumn: 'tag_id',
  },
  contact_companies: {
    parentTable: 'intercom.contacts',
    parentColumn: 'contact_id',
    childTable: 'intercom.companies',
    childColumn: 'company_id',
  },
  company_tags: {
    parentTable: 'intercom.companies',
    parentColumn: 'company_id',
    childTable: 'intercom.tags',
    childColumn: 'tag_id',
  },
  contact_segments: {
    parentTable: 'intercom.contacts',
    parentColumn: 'contact_id',
    childTable: 'intercom.segments',
    childColumn: 'segment_id',
  },
  company_segments: {
    parentTable: 'intercom.companies',
    parentColumn: 'company_id',
    childTable: 'intercom.segments',
    childColumn: 'segment_id',
  },
};

/** The children one parent links to, all by Intercom id. */
export interface LinkSet {
  readonly parentIntercomId: string;
  readonly children: readonly Reference[];
}

export interface LinkCounts {
  readonly added: number;
  readonly removed: number;
  /** Child rows created with only their Intercom id (and name if known) so a link could hold. */
  readonly placeholders: number;
  /** Parents not mirrored (upsert them first): their sets were skipped. */
  readonly missingParents: number;
}

/** Parents per statement group: a contact page is at most 150, a scroll page about 100. */
const PARENTS_PER_BATCH = 1000;

/**
 * Makes each parent's links exactly `children`: deletes the missing pairs, inserts the new ones,
 * leaves unchanged pairs untouched. Use only with complete lists (`ReferenceList.complete`).
 * @example await replaceLinks(db, 'contact_tags', [{ parentIntercomId: row.intercom_id, children: tags.refs }]);
 */
export function replaceLinks(
  db: Executor,
  kind: LinkKind,
  sets: readonly LinkSet[],
  options: LinkWriteOptions = {},
): Promise<LinkCounts> {
  return writeLinks(db, kind, sets, 'replace', options);
}

export interface LinkWriteOptions {
  /**
   * The caller already made placeholders for every child (ensureChildren, in a transaction of its
   * own, as a page does to keep shared rows' locks short): skip that statement here.
   */
  readonly childrenEnsured?: boolean;
}

/**
 * Inserts the links not there yet and deletes nothing: for an embedded list cut at 10 entries,
 * whose 11th+ links must survive until the full list is fetched and replaced.
 * @example if (!tags.complete) await addLinks(db, 'contact_tags', [{ parentIntercomId, children: tags.refs }]);
 */
export function addLinks(
  db: Executor,
  kind: LinkKind,
  sets: readonly LinkSet[],
  options: LinkWriteOptions = {},
): Promise<LinkCounts> {
  return writeLinks(db, kind, sets, 'add', options);
}

async function writeLinks(
  db: Executor,
  kind: LinkKind,
  sets: readonly LinkSet[],
  mode: 'replace' | 'add',
  options: LinkWriteOptions,
): Promise<LinkCounts> {
  let total: LinkCounts = { added: 0, removed: 0, placeholders: 0, missingParents: 0 };
  for (let start = 0; start < sets.length; start += PARENTS_PER_BATCH) {
    const batch = sets.slice(start, start + PARENTS_PER_BATCH);
    const counts = await withSyncWrites(db, (trx) =>
      writeLinkBatch(trx, links[kind], kind, batch, mode, options),
    );
    total = {
      added: total.added + counts.added,
      removed: total.removed + counts.removed,
      placeholders: total.placeholders + counts.placeholders,
      missingParents: total.missingParents + counts.missingParents,
    };
  }
  return total;
}

async function writeLinkBatch(
  db: Executor,
  spec: LinkSpec,
  kind: LinkKind,
  sets: readonly LinkSet[],
  mode: 'replace' | 'add',
  options: LinkWriteOptions,
): Promise<LinkCounts> {
  // Placeholders in a statement of their own: one a later statement of this transaction sees
  // (a row a concurrent writer inserted is seen too once it commits; within one statement, not).
  const pairParents = sets.flatMap((s) => s.children.map(() => s.parentIntercomId));
  const pairChildren = sets.flatMap((s) => s.children.map((c) => c.intercomId));
  const placeholders = options.childrenEnsured
    ? 0
    : await ensureChildren(
        db,
        spec.childTable,
        sets.flatMap((s) => s.children),
        {
          table: spec.parentTable,
          parents: pairParents,
          children: pairChildren,
        },
      );
  // Then one statement resolves both sides' local ids, deletes the missing pairs and inserts the
  // new ones (it was five round trips: two id look-ups, the placeholders, the delete, the insert).
  const table = sql.table(`intercom.${kind}`);
  const parentColumn = sql.id(spec.parentColumn);
  const childColumn = sql.id(spec.childColumn);
  const parentIds = [...new Set(sets.map((s) => s.parentIntercomId))];
  const removal =
    mode === 'replace'
      ? sql`delete from ${table} l using parents p
            where l.${parentColumn} = p.id
              and not exists (select 1 from pairs x where x.p = l.${parentColumn} and x.c = l.${childColumn})
            returning 1`
      : sql`select 1 where false`;
  const result = await sql<{ known: string[] | null; removed: number; added: number }>`
    with d(parent, child) as (select * from unnest(${pairParents}::text[], ${pairChildren}::text[])),
    parents as (
      select id, intercom_id from ${sql.table(spec.parentTable)} where intercom_id = any(${parentIds}::text[])
    ),
    pairs as (
      select distinct p.id as p, c.id as c
      from d join parents p on p.intercom_id = d.parent
      join ${sql.table(spec.childTable)} c on c.intercom_id = d.child
    ),
    removed as (${removal}),
    -- Filtering existing pairs first keeps ON CONFLICT (for concurrent writers) from touching them.
    added as (
      insert into ${table} (${parentColumn}, ${childColumn})
      select x.p, x.c from pairs x
      where not exists (select 1 from ${table} l where l.${parentColumn} = x.p and l.${childColumn} = x.c)
      order by x.p, x.c
      on conflict do nothing
      returning 1
    )
    select (select array_agg(intercom_id) from parents) as known,
           (select count(*) from removed)::int as removed,
           (select count(*) from added)::int as added`.execute(db);
  const { known, removed, added } = result.rows[0]!;
  const found = new Set(known ?? []);
  return {
    added,
    removed,
    placeholders,
    missingParents: sets.filter((s) => !found.has(s.parentIntercomId)).length,
  };
}
