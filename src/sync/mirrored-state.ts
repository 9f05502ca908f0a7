// What a page of contacts or companies finds in the mirror, read in one statement, and the split of
// the page into records stored from this very payload (only their embedded lists are read) and the
// rest (mapped whole and upserted). Sending every unchanged row to Postgres to be compared was most
// of a no-change pass's CPU (bench/full-sync.ts); the digest (migration 0003) spares it.
import { sql, type RawBuilder } from 'kysely';
import { joinedIds, splitIds } from '../db/joined-ids.js';
import { seenInsert } from '../db/mark-and-sweep.js';
import { contentHash } from '../mappers/content-hash.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import type { SyncContext } from './context.js';

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

export interface MirroredStateSpec<List extends string> {
  readonly entity: 'contacts' | 'companies';
  /** Over the mirror row `m`: whether it is live. */
  readonly live: RawBuilder<boolean>;
  /** Over the mirror row `m`: its archived flag, if the table has one. */
  readonly archived?: RawBuilder<boolean>;
  /** Over the mirror row `m`: one subquery per list, returning Intercom ids. */
  readonly lists: Readonly<Record<List, RawBuilder<unknown>>>;
}

/** The Intercom ids of a page's payloads (a payload without one is left to its mapper to refuse). */
export function payloadIds(payloads: readonly { readonly id?: unknown }[]): string[] {
  return payloads.flatMap((p) => (typeof p.id === 'string' && p.id !== '' ? [p.id] : []));
}

/**
 * Per record already mirrored: its digest, state and lists, in one statement that also records
 * `ids` as seen by run `runId` (one round trip per page instead of two).
 * @example const mirrored = await readMirroredState(ctx, companiesState, payloadIds(page), runId);
 */
export async function readMirroredState<List extends string>(
  ctx: SyncContext,
  spec: MirroredStateSpec<List>,
  ids: readonly string[],
  runId: number | undefined,
): Promise<Map<string, MirroredState<List>>> {
  const names = Object.keys(spec.lists) as List[];
  const seen = runId === undefined ? sql`` : sql`with seen as (${seenInsert(runId, spec.entity, ids)})`;
  // One pass over the page's rows with a subquery per list: a union of grouped joins was planned as
  // a parallel append, launching worker processes per page (~10x slower).
  const result = await sql<{ id: string; hash: string | null; live: boolean; archived: boolean | null } & Record<List, string>>`
    ${seen}
    select m.intercom_id as id, m.content_hash as hash, ${spec.live} as live,
      ${spec.archived ?? sql`null::boolean`} as archived,
      ${sql.join(names.map((name) => sql`${joinedIds(spec.lists[name])} as ${sql.id(name)}`))}
    from ${sql.table(`intercom.${spec.entity}`)} m where m.intercom_id = any(${ids}::text[])`.execute(ctx.db);
  return new Map(
    result.rows.map((r) => {
      const lists = {} as Record<List, ReadonlySet<string>>;
      for (const name of names) lists[name] = splitIds(r[name]);
      return [r.id, { hash: r.hash, live: r.live, archived: r.archived, lists }];
    }),
  );
}

export interface MapPageOptions<Payload, Lists, Row> {
  /** What the mirror holds, by Intercom id (readMirroredState). */
  readonly mirrored: ReadonlyMap<string, MirroredState<string>>;
  /** Beyond an equal digest and a live row, what else the stored row must agree with (archived). */
  readonly agrees?: (stored: MirroredState<string>, payload: Payload) => boolean;
  /** Only the embedded lists, for a record stored from this very payload. */
  readonly lists: (payload: Payload) => Lists;
  /** The whole record. */
  readonly map: (payload: Payload) => Lists & { readonly row: Row };
  /** A payload that does not map: logged by the caller, never written. */
  readonly invalid: (error: InvalidPayloadError, payload: Payload) => void;
}

/**
 * Splits a page: a record whose stored row was written from this very payload (equal digest, live,
 * and agreeing) has only its lists mapped; any other is mapped whole, its row to be upserted.
 * @example const { lists, rows } = mapPage(page, { mirrored, lists: mapCompanyLists, map: mapCompany, invalid: warn });
 */
export function mapPage<Payload extends { readonly id?: unknown }, Lists, Row>(
  payloads: readonly Payload[],
  options: MapPageOptions<Payload, Lists, Row>,
): { lists: Lists[]; rows: Row[]; invalid: number } {
  const lists: Lists[] = [];
  const rows: Row[] = [];
  let invalid = 0;
  for (const payload of payloads) {
    try {
      const stored = typeof payload.id === 'string' ? options.mirrored.get(payload.id) : undefined;
      if (
        stored?.live &&
        stored.hash !== null &&
        (options.agrees?.(stored, payload) ?? true) &&
        stored.hash === contentHash(payload)
      ) {
        lists.push(options.lists(payload));
        continue;
      }
      const mapped = options.map(payload);
      lists.push(mapped);
      rows.push(mapped.row);
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      invalid++;
      options.invalid(error, payload);
    }
  }
  return { lists, rows, invalid };
}
