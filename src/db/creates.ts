// The create attempts of local rows and the Intercom id each got (migration 0005), recorded in
// commits of their own around the API call, so a retry after a lost answer, a failed write-back or
// a kill finds the record it created instead of creating a second one.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export type CreateEntity = 'contact' | 'note';

export interface CreateAttempt {
  readonly id: number;
  /** Null while no answer came back (in flight, or lost with a 5xx, a cut body or a kill). */
  readonly intercom_id: string | null;
  readonly attempted_at: Date;
  /** What the attempt sent to identify the person (null for attempts recorded before migration 0013). */
  readonly sent: Readonly<Record<string, string | null>> | null;
}

/**
 * The latest create attempt of a local row, if any.
 * @example const prior = await lastCreateAttempt(ctx.db, 'contact', rowId);
 */
export async function lastCreateAttempt(
  db: Executor,
  entity: CreateEntity,
  rowId: number,
): Promise<CreateAttempt | undefined> {
  const result = await sql<CreateAttempt>`
    select id, intercom_id, attempted_at, sent from intercom_sync.creates
    where entity = ${entity} and row_id = ${rowId} order by id desc limit 1`.execute(db);
  return result.rows[0];
}

/**
 * Records that a create of this row is about to be sent (committed before the call), with what it
 * sends to identify the person: a retry after a lost answer looks for the contact by those values.
 * @example const attempt = await startCreateAttempt(ctx.db, 'contact', rowId, { role: 'lead', email: null });
 */
export async function startCreateAttempt(
  db: Executor,
  entity: CreateEntity,
  rowId: number,
  sent?: Readonly<Record<string, string | null>>,
): Promise<number> {
  const result = await sql<{ id: number }>`
    insert into intercom_sync.creates (entity, row_id, sent)
    values (${entity}, ${rowId}, ${sent === undefined ? null : JSON.stringify(sent)}::jsonb) returning id`.execute(
    db,
  );
  return Number(result.rows[0]!.id);
}

/**
 * Records the Intercom id a create attempt got (or an earlier create was found under).
 * @example await recordCreated(ctx.db, attempt, created.id);
 */
export async function recordCreated(db: Executor, attemptId: number, intercomId: string): Promise<void> {
  await sql`
    update intercom_sync.creates set intercom_id = ${intercomId}, answered_at = now()
    where id = ${attemptId}`.execute(db);
}

/** A local row that got more than one Intercom record from its creates. */
export interface DuplicateCreate {
  readonly entity: CreateEntity;
  readonly row_id: number;
  readonly intercom_ids: string[];
}

/**
 * Rows whose creates produced two or more distinct Intercom records (duplicates in Intercom).
 * @example const duplicates = await duplicateCreates(db);
 */
export async function duplicateCreates(db: Executor): Promise<DuplicateCreate[]> {
  const result = await sql<DuplicateCreate>`
    select entity, row_id::int as row_id, array_agg(distinct intercom_id order by intercom_id) as intercom_ids
    from intercom_sync.creates where intercom_id is not null
    group by entity, row_id having count(distinct intercom_id) > 1
    order by entity, row_id`.execute(db);
  return result.rows;
}

/**
 * Create attempts older than `olderThanMs` that never got an answer, of rows still without an
 * Intercom id: a push interrupted between sending and hearing back (its retry resolves it).
 * @example const interrupted = await unansweredCreates(db, 60_000);
 */
export async function unansweredCreates(
  db: Executor,
  olderThanMs: number,
): Promise<Array<{ entity: CreateEntity; row_id: number; attempted_at: Date }>> {
  const result = await sql<{ entity: CreateEntity; row_id: number; attempted_at: Date }>`
    select distinct on (c.entity, c.row_id) c.entity, c.row_id::int as row_id, c.attempted_at
    from intercom_sync.creates c
    left join intercom.contacts k on c.entity = 'contact' and k.id = c.row_id
    left join intercom.notes n on c.entity = 'note' and n.id = c.row_id
    where c.attempted_at < now() - make_interval(secs => ${olderThanMs / 1000})
      and coalesce(k.intercom_id, n.intercom_id) is null and coalesce(k.id, n.id) is not null
      and not exists (select 1 from intercom_sync.creates d
                      where d.entity = c.entity and d.row_id = c.row_id and d.intercom_id is not null)
    order by c.entity, c.row_id, c.id desc`.execute(db);
  return result.rows;
}
