// The agreed snapshots: per pushed record, Intercom's state as last agreed on, which the next push
// merges local changes against. Read along with the row, written when a push's answer comes back.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export type SnapshotEntity = 'contact' | 'company';

/** The snapshot columns read along with a row (null when the record has none yet). */
export interface SnapshotColumns {
  readonly snapshot_data: unknown;
  readonly snapshot_remote_updated_at: Date | null;
}

/**
 * A contact row and its snapshot in one query (a push reads both; every round trip counts at the
 * rate limit's pace).
 * @example const row = await readContactWithSnapshot(ctx.db, rowId);
 */
export function readContactWithSnapshot(db: Executor, rowId: number) {
  return db
    .selectFrom('intercom.contacts as r')
    .leftJoin('intercom_sync.snapshots as s', (join) =>
      join.onRef('s.row_id', '=', 'r.id').on('s.entity', '=', 'contact'),
    )
    .selectAll('r')
    .select(['s.data as snapshot_data', 's.remote_updated_at as snapshot_remote_updated_at'])
    .where('r.id', '=', rowId)
    .executeTakeFirst();
}

/** @example const row = await readCompanyWithSnapshot(ctx.db, rowId); */
export function readCompanyWithSnapshot(db: Executor, rowId: number) {
  return db
    .selectFrom('intercom.companies as r')
    .leftJoin('intercom_sync.snapshots as s', (join) =>
      join.onRef('s.row_id', '=', 'r.id').on('s.entity', '=', 'company'),
    )
    .selectAll('r')
    .select(['s.data as snapshot_data', 's.remote_updated_at as snapshot_remote_updated_at'])
    .where('r.id', '=', rowId)
    .executeTakeFirst();
}

/**
 * Makes `agreed` (Intercom's answer as mapped, without raw) the record's snapshot, over the row as
 * it now stands for what the answer does not carry (archived).
 * @example await saveSnapshot(trx, 'contact', rowId, agreed, updated.updated_at);
 */
export async function saveSnapshot(
  db: Executor,
  entity: SnapshotEntity,
  rowId: number,
  agreed: Readonly<Record<string, unknown>>,
  remoteUpdatedAt: Date | null,
): Promise<void> {
  const table = entity === 'contact' ? 'intercom.contacts' : 'intercom.companies';
  await sql`
    insert into intercom_sync.snapshots as s (entity, row_id, intercom_id, data, remote_updated_at)
    select ${entity}, t.id, t.intercom_id, (to_jsonb(t) - 'raw') || ${JSON.stringify(agreed)}::jsonb,
           ${remoteUpdatedAt}::timestamptz
    from ${sql.table(table)} t where t.id = ${rowId}
    on conflict (entity, row_id) do update
      set intercom_id = excluded.intercom_id, data = excluded.data,
          remote_updated_at = excluded.remote_updated_at, agreed_at = now()`.execute(db);
}

/** Forgets a record's snapshot (it was deleted). */
export async function dropSnapshot(db: Executor, entity: string, rowId: number): Promise<void> {
  await db
    .deleteFrom('intercom_sync.snapshots')
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .execute();
}
