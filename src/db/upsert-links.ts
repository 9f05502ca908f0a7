// Writes the link tables from Intercom ids: only the pairs that changed, placeholders for unknown children.
import { sql } from 'kysely';
import type { Reference } from '../mappers/rows.js';
import { withSyncWrites, type Executor } from './sync-writes.js';
import { ensureChildren, localIds, type MirrorEntityTable } from './local-ids.js';

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
export function replaceLinks(db: Executor, kind: LinkKind, sets: readonly LinkSet[]): Promise<LinkCounts> {
  return writeLinks(db, kind, sets, 'replace');
}

/**
 * Inserts the links not there yet and deletes nothing: for an embedded list cut at 10 entries,
 * whose 11th+ links must survive until the full list is fetched and replaced.
 * @example if (!tags.complete) await addLinks(db, 'contact_tags', [{ parentIntercomId, children: tags.refs }]);
 */
export function addLinks(db: Executor, kind: LinkKind, sets: readonly LinkSet[]): Promise<LinkCounts> {
  return writeLinks(db, kind, sets, 'add');
}

async function writeLinks(
  db: Executor,
  kind: LinkKind,
  sets: readonly LinkSet[],
  mode: 'replace' | 'add',
): Promise<LinkCounts> {
  let total: LinkCounts = { added: 0, removed: 0, placeholders: 0, missingParents: 0 };
  for (let start = 0; start < sets.length; start += PARENTS_PER_BATCH) {
    const batch = sets.slice(start, start + PARENTS_PER_BATCH);
    const counts = await withSyncWrites(db, (trx) => writeLinkBatch(trx, links[kind], kind, batch, mode));
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
): Promise<LinkCounts> {
  const parents = await localIds(
    db,
    spec.parentTable,
    sets.map((s) => s.parentIntercomId),
  );
  const known = sets.filter((s) => parents.has(s.parentIntercomId));
  const placeholders = await ensureChildren(
    db,
    spec.childTable,
    known.flatMap((s) => s.children),
  );
  const children = await localIds(
    db,
    spec.childTable,
    known.flatMap((s) => s.children.map((c) => c.intercomId)),
  );

  const pairs = new Map<string, [number, number]>();
  for (const set of known) {
    const parentId = parents.get(set.parentIntercomId)!;
    for (const child of set.children) {
      const childId = children.get(child.intercomId)!;
      pairs.set(`${parentId}:${childId}`, [parentId, childId]);
    }
  }
  const parentIds = [...new Set(known.map((s) => parents.get(s.parentIntercomId)!))];
  const pairParents = [...pairs.values()].map(([p]) => p);
  const pairChildren = [...pairs.values()].map(([, c]) => c);
  const table = sql.table(`intercom.${kind}`);
  const parentColumn = sql.id(spec.parentColumn);
  const childColumn = sql.id(spec.childColumn);

  let removed = 0;
  if (mode === 'replace' && parentIds.length > 0) {
    const deleted = await sql`
      delete from ${table} l
      where l.${parentColumn} = any(${parentIds}::bigint[])
        and not exists (
          select 1 from unnest(${pairParents}::bigint[], ${pairChildren}::bigint[]) as d(p, c)
          where d.p = l.${parentColumn} and d.c = l.${childColumn})`.execute(db);
    removed = Number(deleted.numAffectedRows ?? 0);
  }
  let added = 0;
  if (pairs.size > 0) {
    // Filtering existing pairs first keeps ON CONFLICT (for concurrent writers) from touching them.
    const inserted = await sql`
      insert into ${table} (${parentColumn}, ${childColumn})
      select d.p, d.c from unnest(${pairParents}::bigint[], ${pairChildren}::bigint[]) as d(p, c)
      where not exists (select 1 from ${table} l where l.${parentColumn} = d.p and l.${childColumn} = d.c)
      on conflict do nothing`.execute(db);
    added = Number(inserted.numAffectedRows ?? 0);
  }
  return { added, removed, placeholders, missingParents: sets.length - known.length };
}
