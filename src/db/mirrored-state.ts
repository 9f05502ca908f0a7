// What a page of contacts or companies finds in the mirror, read in one statement that also records
// the page as seen by the run: each record's digest, live and archived state, and embedded lists.
// Sending every unchanged row to Postgres to be compared was most of a no-change pass's CPU
// (bench/full-sync.ts); the digest (migration 0003) spares it.
import { sql, type RawBuilder } from 'kysely';
import { joinedIds, splitIds } from './joined-ids.js';
import { seenInsert } from './mark-and-sweep.js';
import type { Executor } from './sync-writes.js';

/** What the mirror holds for one record, by Intercom id. */
export interface MirroredState<List extends string> {
  /** Digest of the payload the row was written from; null once anything else changed it. */
  readonly hash: string | null;
  /** Not deleted (nor merged away). */
  readonly live: boolean;
  /** The stored archived flag (contacts); null where the table has none. */
  readonly archived: boolean | null;
  /** Each embedded list's Intercom ids as the link tables hold them. */
  readonly lists: Readonly<Record<List, ReadonlySet<string>>>;
}

/** A contact's mirrored state: digest, live/merged state and archived flag, tags, companies and live notes. */
export type MirroredContact = MirroredState<'tags' | 'companies' | 'notes'>;
/** A company's mirrored state: digest, whether it is deleted, tags and segments. */
export type MirroredCompany = MirroredState<'tags' | 'segments'>;

interface MirroredStateSpec<List extends string> {
  readonly entity: 'contacts' | 'companies';
  /** Over the mirror row `m`: whether it is live. */
  readonly live: RawBuilder<boolean>;
  /** Over the mirror row `m`: its archived flag, if the table has one. */
  readonly archived?: RawBuilder<boolean>;
  /** Over the mirror row `m`: one subquery per list, returning Intercom ids. */
  readonly lists: Readonly<Record<List, RawBuilder<unknown>>>;
}

const CONTACT_STATE: MirroredStateSpec<'tags' | 'companies' | 'notes'> = {
  entity: 'contacts',
  live: sql<boolean>`m.deleted_at is null and m.merged_into_id is null`,
  archived: sql<boolean>`m.archived`,
  lists: {
    tags: sql`select t.intercom_id from intercom.contact_tags l join intercom.tags t on t.id = l.tag_id where l.contact_id = m.id`,
    companies: sql`select co.intercom_id from intercom.contact_companies l join intercom.companies co on co.id = l.company_id
      where l.contact_id = m.id`,
    notes: sql`select n.intercom_id from intercom.notes n where n.contact_id = m.id and n.deleted_at is null`,
  },
};

const COMPANY_STATE: MirroredStateSpec<'tags' | 'segments'> = {
  entity: 'companies',
  live: sql<boolean>`m.deleted_at is null`,
  lists: {
    tags: sql`select t.intercom_id from intercom.company_tags l join intercom.tags t on t.id = l.tag_id where l.company_id = m.id`,
    segments: sql`select s.intercom_id from intercom.company_segments l join intercom.segments s on s.id = l.segment_id
      where l.company_id = m.id`,
  },
};

/**
 * Per contact already mirrored: its digest, state and lists, in one statement that also records
 * `ids` as seen by run `runId` (one round trip per page instead of two).
 * @example const mirrored = await readMirroredContacts(ctx.db, payloadIds(page), runId);
 */
export function readMirroredContacts(
  db: Executor,
  ids: readonly string[],
  runId: number | undefined,
): Promise<Map<string, MirroredContact>> {
  return readMirroredState(db, CONTACT_STATE, ids, runId);
}

/**
 * Per company already mirrored, as readMirroredContacts.
 * @example const mirrored = await readMirroredCompanies(ctx.db, payloadIds(page), runId);
 */
export function readMirroredCompanies(
  db: Executor,
  ids: readonly string[],
  runId: number | undefined,
): Promise<Map<string, MirroredCompany>> {
  return readMirroredState(db, COMPANY_STATE, ids, runId);
}

async function readMirroredState<List extends string>(
  db: Executor,
  spec: MirroredStateSpec<List>,
  ids: readonly string[],
  runId: number | undefined,
): Promise<Map<string, MirroredState<List>>> {
  const names = Object.keys(spec.lists) as List[];
  const seen = runId === undefined ? sql`` : sql`with seen as (${seenInsert(runId, spec.entity, ids)})`;
  // One pass over the page's rows with a subquery per list: a union of grouped joins was planned as
  // a parallel append, launching worker processes per page (~10x slower).
  const result = await sql<
    { id: string; hash: string | null; live: boolean; archived: boolean | null } & Record<List, string>
  >`
    ${seen}
    select m.intercom_id as id, m.content_hash as hash, ${spec.live} as live,
      ${spec.archived ?? sql`null::boolean`} as archived,
      ${sql.join(names.map((name) => sql`${joinedIds(spec.lists[name])} as ${sql.id(name)}`))}
    from ${sql.table(`intercom.${spec.entity}`)} m where m.intercom_id = any(${ids}::text[])`.execute(db);
  return new Map(
    result.rows.map((r) => {
      const lists = {} as Record<List, ReadonlySet<string>>;
      for (const name of names) lists[name] = splitIds(r[name]);
      return [r.id, { hash: r.hash, live: r.live, archived: r.archived, lists }];
    }),
  );
}
