// The outbox of local changes: claimed per record by the pusher, finished as done, superseded or
// failed, and swept back to pending when a push was lost (docs/design.md#principle-1).
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { parseFieldPath } from '../mappers/field-path.js';
import type { Executor } from './sync-writes.js';

export type OutboxEntity =
  'contact' | 'company' | 'contact_company' | 'note' | 'contact_tag' | 'company_tag' | 'tag' | 'merge';
export type OutboxState = 'pending' | 'in_flight' | 'done' | 'failed' | 'superseded';

export interface OutboxRow {
  readonly id: number;
  readonly entity: OutboxEntity;
  readonly row_id: number;
  readonly op: 'insert' | 'update' | 'delete';
  readonly changed_columns: string[];
  readonly old_data: Record<string, unknown> | null;
  readonly new_data: Record<string, unknown> | null;
  readonly attempts: number;
  readonly created_at: Date;
}

/**
 * Takes every pending change of one record (marks them in flight), oldest first, once any of them
 * is due: a new edit takes the older ones waiting out a backoff along, so changes are never sent
 * out of order (an older value pushed after a newer one would overwrite it). Nothing is taken while
 * another change of the record is in flight: that push goes round again for the newer ones, and one
 * lost to a kill is released by the sweeper and then taken along with them, oldest first. The
 * record's lock makes two claims of one record take turns, so both cannot see it idle.
 * @example const changes = await claimRecord(db, 'contact', 42);
 */
export async function claimRecord(
  db: Kysely<Database>,
  entity: OutboxEntity,
  rowId: number,
): Promise<OutboxRow[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('intercom_sync.outbox'), hashtext(${`${entity}:${rowId}`}))`.execute(
      trx,
    );
    const result = await sql<OutboxRow>`
      update intercom_sync.outbox set state = 'in_flight', attempts = attempts + 1, updated_at = now()
      where id in (
        select id from intercom_sync.outbox
        where entity = ${entity} and row_id = ${rowId} and state = 'pending'
          and exists (
            select 1 from intercom_sync.outbox due
            where due.entity = ${entity} and due.row_id = ${rowId} and due.state = 'pending'
              and due.next_attempt_at <= now())
          and not exists (
            select 1 from intercom_sync.outbox busy
            where busy.entity = ${entity} and busy.row_id = ${rowId} and busy.state = 'in_flight')
        for update)
      returning id, entity, row_id, op, changed_columns, old_data, new_data, attempts, created_at`.execute(
      trx,
    );
    return result.rows.sort((a, b) => a.id - b.id);
  });
}

/**
 * Finishes claimed changes; resolves true when their record has more changes waiting (made while
 * these were in flight), so the pusher knows without another query whether to go round again.
 * @example const more = await finishChanges(db, ids, 'done');
 */
export async function finishChanges(
  db: Executor,
  ids: readonly number[],
  state: 'done' | 'superseded' | 'failed',
  error?: string,
): Promise<boolean> {
  if (ids.length === 0) return false;
  // One statement: the sub-select sees the table as it was before the update, when the finished
  // changes were in flight, not pending, so it counts only the others.
  const result = await sql<{ more: boolean }>`
    with finished as (
      update intercom_sync.outbox set state = ${state}, last_error = ${error ?? null}, updated_at = now()
      where id = any(${[...ids]}::bigint[])
      returning entity, row_id)
    select exists (
      select 1 from intercom_sync.outbox o
      where o.state = 'pending' and (o.entity, o.row_id) in (select entity, row_id from finished)) as more`.execute(
    db,
  );
  return result.rows[0]?.more ?? false;
}

/** Puts changes back to pending after a failure that may pass (API down, dependency not pushed yet). */
export async function releaseChanges(
  db: Executor,
  ids: readonly number[],
  error: string,
  retryInMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('intercom_sync.outbox')
    .set({
      state: 'pending',
      last_error: error,
      updated_at: new Date(),
      next_attempt_at: new Date(Date.now() + retryInMs),
    })
    .where('id', 'in', [...ids])
    .execute();
}

/**
 * Every change waiting (pending, due or not), oldest first, without claiming any: what a
 * `push --dry-run` shows.
 * @example const waiting = await pendingChanges(db, { limit: 1000 });
 */
export async function pendingChanges(db: Executor, options: { limit?: number } = {}): Promise<OutboxRow[]> {
  const result = await sql<OutboxRow>`
    select id, entity, row_id, op, changed_columns, old_data, new_data, attempts, created_at
    from intercom_sync.outbox where state = 'pending'
    order by id
    limit ${options.limit ?? 10_000}`.execute(db);
  return result.rows;
}

/** Records with changes waiting (due now), for the sweeper and `intercom-pg-sync push`. */
export async function recordsWithPendingChanges(
  db: Executor,
  options: { olderThanMs?: number; limit?: number } = {},
): Promise<Array<{ entity: OutboxEntity; row_id: number }>> {
  const result = await sql<{ entity: OutboxEntity; row_id: number }>`
    select entity, row_id from intercom_sync.outbox
    where state = 'pending' and next_attempt_at <= now()
      and created_at <= now() - make_interval(secs => ${(options.olderThanMs ?? 0) / 1000})
    group by entity, row_id
    order by min(id)
    limit ${options.limit ?? 10_000}`.execute(db);
  return result.rows;
}

/** In-flight changes whose push was lost (worker died, Redis flushed): back to pending. */
export async function releaseStuckChanges(db: Executor, stuckForMs: number): Promise<number> {
  const result = await sql`
    update intercom_sync.outbox set state = 'pending', updated_at = now(),
      last_error = coalesce(last_error, 'the push was interrupted; retried')
    where state = 'in_flight' and updated_at < now() - make_interval(secs => ${stuckForMs / 1000})`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}

/** Columns of this record changed locally since `afterId` (still to be pushed). */
export async function columnsChangedAfter(
  db: Executor,
  entity: OutboxEntity,
  rowId: number,
  afterId: number,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('intercom_sync.outbox')
    .select('changed_columns')
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .where('id', '>', afterId)
    .where('state', 'in', ['pending', 'in_flight'])
    .execute();
  return new Set(rows.flatMap((r) => r.changed_columns));
}

/** Whether row `rowId` of `entity` was ever changed locally (any outbox entry, in any state). */
export async function everChangedLocally(
  db: Executor,
  entity: OutboxEntity,
  rowId: number,
): Promise<boolean> {
  const touched = await db
    .selectFrom('intercom_sync.outbox')
    .select('id')
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .limit(1)
    .executeTakeFirst();
  return touched !== undefined;
}

/** Failed changes, newest first (for `failed list`). */
export async function failedChanges(db: Executor, limit = 100) {
  return db
    .selectFrom('intercom_sync.outbox')
    .select(['id', 'entity', 'row_id', 'op', 'changed_columns', 'attempts', 'last_error', 'updated_at'])
    .where('state', '=', 'failed')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Puts failed changes back to pending (all, or those ids); returns the records to enqueue. */
export async function retryFailedChanges(db: Executor, ids?: readonly number[]) {
  let query = db
    .updateTable('intercom_sync.outbox')
    .set({ state: 'pending', next_attempt_at: new Date(), updated_at: new Date() })
    .where('state', '=', 'failed');
  if (ids) {
    if (ids.length === 0) return [];
    query = query.where('id', 'in', [...ids]);
  }
  return query.returning(['id', 'entity', 'row_id']).execute();
}

/**
 * Why a record cannot reach Intercom, if that is settled: its changes failed for good (the newest
 * failure's reason) and none is waiting, or it never had a change to push at all. Undefined while
 * a change of it is pending or in flight: a dependent then waits for it.
 * @example const reason = await blockedRecord(ctx.db, 'contact', note.contact_id);
 */
export async function blockedRecord(
  db: Executor,
  entity: OutboxEntity,
  rowId: number,
): Promise<string | undefined> {
  const result = await sql<{ open: boolean; failed: string | null; any: boolean }>`
    select
      bool_or(state in ('pending', 'in_flight')) as open,
      (array_agg(coalesce(last_error, 'failed') order by id desc) filter (where state = 'failed'))[1] as failed,
      count(*) > 0 as any
    from intercom_sync.outbox where entity = ${entity} and row_id = ${rowId}`.execute(db);
  const row = result.rows[0];
  if (!row?.any) return 'it has no change to push';
  if (row.open) return undefined;
  return row.failed ?? undefined;
}

/** A field Intercom refused, parked as a failed change of its own (it keeps the row's value held). */
export interface ParkedField {
  readonly field: string;
  /** Intercom's value, and the local one it refused (custom attributes as `custom_attributes.<key>`). */
  readonly remote: unknown;
  readonly local: unknown;
  readonly reason: string;
}

/**
 * Parks each refused field as a failed `update` change of the record (visible in `failed list`,
 * retried like any other). A custom attribute is parked as that one key.
 * @example await parkRejectedFields(trx, 'contact', rowId, [{ field: 'email', remote, local, reason }]);
 */
export async function parkRejectedFields(
  db: Executor,
  entity: OutboxEntity,
  rowId: number,
  fields: readonly ParkedField[],
): Promise<void> {
  if (fields.length === 0) return;
  const nest = (field: string, value: unknown) => {
    const { column, key } = parseFieldPath(field);
    return key !== null ? { [column]: { [key]: value ?? null } } : { [column]: value ?? null };
  };
  await db
    .insertInto('intercom_sync.outbox')
    .values(
      fields.map((f) => ({
        entity,
        row_id: rowId,
        op: 'update' as const,
        changed_columns: [parseFieldPath(f.field).column],
        old_data: JSON.stringify(nest(f.field, f.remote)),
        new_data: JSON.stringify(nest(f.field, f.local)),
        state: 'failed' as const,
        attempts: 1,
        last_error: `Intercom refused ${f.field}: ${f.reason}`,
      })),
    )
    .execute();
}

/** A failed change of a record, as `supersedeFailedChanges` weighs it. */
export interface FailedChange {
  readonly id: number;
  readonly changed_columns: string[];
  readonly old_data: Record<string, unknown> | null;
  readonly new_data: Record<string, unknown> | null;
}

/** The failed changes of one record older than change `beforeId`. */
export async function failedChangesBefore(
  db: Executor,
  entity: OutboxEntity,
  rowId: number,
  beforeId: number,
): Promise<FailedChange[]> {
  return db
    .selectFrom('intercom_sync.outbox')
    .select(['id', 'changed_columns', 'old_data', 'new_data'])
    .where('entity', '=', entity)
    .where('row_id', '=', rowId)
    .where('state', '=', 'failed')
    .where('id', '<', beforeId)
    .execute() as Promise<FailedChange[]>;
}

/** Marks failed changes superseded: a newer change of the same fields reached Intercom. */
export async function supersedeChanges(db: Executor, ids: readonly number[], reason: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('intercom_sync.outbox')
    .set({ state: 'superseded', last_error: reason, updated_at: new Date() })
    .where('id', 'in', [...ids])
    .where('state', '=', 'failed')
    .execute();
}
