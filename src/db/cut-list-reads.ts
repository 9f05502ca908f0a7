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

/**
 * Records that a contact's list was read whole while it embedded `embedded`.
 * @example await recordCutListRead(trx, contactId, 'tags', signature);
 */
export async function recordCutListRead(
  db: Executor,
  contactId: string,
  list: CutList,
  embedded: string,
): Promise<void> {
  await sql`
    insert into intercom_sync.cut_list_reads (contact_id, list, embedded)
    select id, ${list}, ${embedded} from intercom.contacts where intercom_id = ${contactId}
    on conflict (contact_id, list) do update set embedded = excluded.embedded, read_at = now()`.execute(db);
}
