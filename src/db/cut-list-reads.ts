// What a contact's cut list embedded when it was last read whole (migration 0012): the sync reads
// a list whose embedded total disagrees with the mirror once per change of that, not every pass.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export type CutList = 'tags' | 'companies';

/**
 * Per contact (Intercom id) and list, the embedded signature recorded at its last whole read.
 * @example const reads = await readCutListReads(db, ['6790a1d8…']); reads.get('6790a1d8…:tags')
 */
export async function readCutListReads(
  db: Executor,
  contactIds: readonly string[],
): Promise<Map<string, string>> {
  if (contactIds.length === 0) return new Map();
  const result = await sql<{ intercom_id: string; list: CutList; embedded: string }>`
    select c.intercom_id, r.list, r.embedded
    from intercom_sync.cut_list_reads r join intercom.contacts c on c.id = r.contact_id
    where c.intercom_id = any(${contactIds}::text[])`.execute(db);
  return new Map(result.rows.map((r) => [`${r.intercom_id}:${r.list}`, r.embedded]));
}

/** One whole read of a contact's cut list, and what the contact embedded then. */
export interface CutListRead {
  /** The contact's Intercom id. */
  readonly contactId: string;
  readonly list: CutList;
  readonly embedded: string;
}

/**
 * Records that each contact's list was read whole while it embedded `embedded` (one statement).
 * @example await recordCutListReads(trx, [{ contactId, list: 'tags', embedded: signature }]);
 */
export async function recordCutListReads(db: Executor, reads: readonly CutListRead[]): Promise<void> {
  // One row per contact and list (a statement may not write a row twice): the last one given.
  const unique = [...new Map(reads.map((r) => [`${r.contactId}:${r.list}`, r])).values()];
  if (unique.length === 0) return;
  await sql`
    insert into intercom_sync.cut_list_reads (contact_id, list, embedded)
    select c.id, r.list, r.embedded
    from unnest(${unique.map((r) => r.contactId)}::text[], ${unique.map((r) => r.list)}::text[],
                ${unique.map((r) => r.embedded)}::text[]) as r(intercom_id, list, embedded)
    join intercom.contacts c on c.intercom_id = r.intercom_id
    on conflict (contact_id, list) do update set embedded = excluded.embedded, read_at = now()`.execute(db);
}
