// After a push, the mirror row becomes what Intercom returned and that becomes the agreed
// snapshot: the same state coming back by webhook or poll then changes nothing (no echo).
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { mapCompany } from '../../mappers/company.js';
import { mapContact } from '../../mappers/contact.js';
import type { FieldConflict } from '../../mappers/field-merge.js';
import { parseFieldPath, readField } from '../../mappers/field-path.js';
import type { Company, Contact } from '../../intercom/types.js';
import type { SyncContext } from '../context.js';

type Entity = 'contact' | 'company';

export interface WriteBackOptions {
  /** The Intercom id the row had before this push (null for a create): an update cannot collide. */
  readonly knownAs?: string | null;
  /** More writes for the same transaction (the conflicts this push decided). */
  readonly also?: (trx: Transaction<Database>) => Promise<void>;
}

/**
 * Writes Intercom's answer into the row `rowId`, leaving alone the columns in `keep` (changed
 * locally again while this push was in flight: their own push follows), and makes it the snapshot.
 * @example await writeBack(ctx, 'contact', rowId, updated, new Set(), { knownAs: row.intercom_id });
 */
export async function writeBack(
  ctx: SyncContext,
  entity: Entity,
  rowId: number,
  payload: Contact | Company,
  keep: ReadonlySet<string>,
  options: WriteBackOptions = {},
): Promise<void> {
  const mapped: Record<string, unknown> =
    entity === 'contact' ? { ...mapContact(payload).row } : { ...mapCompany(payload).row };
  // 2.2 contacts do not say whether they are archived: the row's own value stands.
  if (mapped.archived === null) delete mapped.archived;
  const { raw: _raw, content_hash: _hash, ...agreed } = mapped;
  const row = { ...mapped };
  for (const column of keep) delete row[column];
  // The row's digest vouches that it is the answer as mapped; columns kept local make that untrue.
  if (keep.size > 0 && 'content_hash' in row) row.content_hash = null;
  const table = entity === 'contact' ? 'intercom.contacts' : 'intercom.companies';
  await withSyncWrites(ctx.db, async (trx) => {
    // An inbound sync or webhook may have mirrored a just-created record before this answer was
    // written back: that row is the same record, so it gives way to the local one.
    if (row.intercom_id && row.intercom_id !== options.knownAs) {
      await trx
        .deleteFrom(table)
        .where('intercom_id', '=', String(row.intercom_id))
        .where('id', '<>', rowId)
        .execute();
    }
    await trx
      .updateTable(table)
      .set({ ...row, deleted_at: null } as never)
      .where('id', '=', rowId)
      .execute();
    // The agreed state is Intercom's answer, also for the columns kept locally (their push is next
    // and merges against it), over the row for what the answer does not carry (archived).
    await sql`
      insert into intercom_sync.snapshots as s (entity, row_id, intercom_id, data, remote_updated_at)
      select ${entity}, t.id, t.intercom_id, (to_jsonb(t) - 'raw') || ${JSON.stringify(agreed)}::jsonb,
             ${(mapped.updated_at as Date | null) ?? null}::timestamptz
      from ${sql.table(table)} t where t.id = ${rowId}
      on conflict (entity, row_id) do update
        set intercom_id = excluded.intercom_id, data = excluded.data,
            remote_updated_at = excluded.remote_updated_at, agreed_at = now()`.execute(trx);
    await options.also?.(trx);
  });
}

/** Forgets a record's snapshot (it was deleted). */
export async function dropSnapshot(ctx: SyncContext, entity: string, rowId: number): Promise<void> {
  await ctx.db
    .deleteFrom('intercom_sync.snapshots')
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .execute();
}

/** The snapshot columns read along with a row (null when the record has none yet). */
export interface SnapshotColumns {
  readonly snapshot_data: unknown;
  readonly snapshot_remote_updated_at: Date | null;
}

/**
 * A contact row and its snapshot in one query (a push reads both; every round trip counts at the
 * rate limit's pace).
 * @example const row = await readContact(ctx, rowId);
 */
export function readContact(ctx: SyncContext, rowId: number) {
  return ctx.db
    .selectFrom('intercom.contacts as r')
    .leftJoin('intercom_sync.snapshots as s', (join) =>
      join.onRef('s.row_id', '=', 'r.id').on('s.entity', '=', 'contact'),
    )
    .selectAll('r')
    .select(['s.data as snapshot_data', 's.remote_updated_at as snapshot_remote_updated_at'])
    .where('r.id', '=', rowId)
    .executeTakeFirst();
}

/** @example const row = await readCompany(ctx, rowId); */
export function readCompany(ctx: SyncContext, rowId: number) {
  return ctx.db
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
 * Intercom's state of a record as last seen, and when Intercom last changed it: the snapshot the
 * capture trigger keeps while local changes wait, or (none yet) the row before the first change.
 * @example const remote = remoteView(await readContact(ctx, rowId), changes[0].old_data);
 */
export function remoteView(
  read: SnapshotColumns,
  before: Readonly<Record<string, unknown>> | null,
): { current: Readonly<Record<string, unknown>>; remoteUpdatedAt: Date | null } {
  if (read.snapshot_data !== null && read.snapshot_data !== undefined)
    return {
      current: read.snapshot_data as Record<string, unknown>,
      remoteUpdatedAt: read.snapshot_remote_updated_at,
    };
  const updated = before?.updated_at;
  return { current: before ?? {}, remoteUpdatedAt: typeof updated === 'string' ? new Date(updated) : null };
}

/**
 * Puts Intercom's values back into the row for the fields whose conflict Intercom won, when no call
 * was made (a call's answer carries them already). One statement for all of them.
 */
export async function restoreRemoteFields(
  trx: Transaction<Database>,
  entity: Entity,
  rowId: number,
  conflicts: readonly FieldConflict[],
  remote: Readonly<Record<string, unknown>>,
): Promise<void> {
  const lost = conflicts.filter((c) => c.decision === 'remote').map((c) => c.field);
  if (lost.length === 0) return;
  const attributes: Record<string, unknown> = {};
  const columns: Record<string, unknown> = {};
  for (const field of lost) {
    const { column, key } = parseFieldPath(field);
    if (key !== null) attributes[key] = readField(remote, field);
    else columns[column] = remote[column] ?? null;
  }
  // Plain columns are cast to their own types by jsonb_populate_record over the row itself.
  const sets = [
    ...Object.keys(columns).map(
      (c) => sql`${sql.ref(c)} = (jsonb_populate_record(t, ${JSON.stringify(columns)}::jsonb)).${sql.ref(c)}`,
    ),
    ...(Object.keys(attributes).length > 0
      ? [sql`custom_attributes = t.custom_attributes || ${JSON.stringify(attributes)}::jsonb`]
      : []),
  ];
  const table = sql.table(entity === 'contact' ? 'intercom.contacts' : 'intercom.companies');
  await sql`update ${table} t set ${sql.join(sets)} where id = ${rowId}`.execute(trx);
}
