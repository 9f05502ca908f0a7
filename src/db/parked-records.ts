// Records a sync could not store (Postgres or the mapper refused them), kept with the reason and
// the payload so the rest of their page is written and an operator sees what is missing.
import { sql } from 'kysely';
import { storableJson } from './json-parameter.js';
import type { Executor } from './sync-writes.js';

export type ParkedEntity = 'contact' | 'company' | 'note';

export interface ParkedRecordInput {
  readonly entity: ParkedEntity;
  /** The Intercom id, or a digest of the payload when it has none (the record's identity here). */
  readonly recordKey: string;
  readonly intercomId: string | null;
  /** The read that met it: `full`, `incremental`. */
  readonly source: string;
  readonly reason: string;
  readonly payload: unknown;
  readonly runId?: number | undefined;
}

export interface ParkedRecord {
  readonly id: number;
  readonly entity: ParkedEntity;
  readonly intercom_id: string | null;
  readonly source: string;
  readonly reason: string;
  readonly attempts: number;
  readonly parked_at: Date;
  readonly last_failed_at: Date;
}

/**
 * Parks records, or — parked already — counts one more attempt and keeps the newest reason and payload.
 * @example await parkRecords(db, [{ entity: 'company', recordKey: id, intercomId: id, source: 'full', reason, payload }]);
 */
export async function parkRecords(db: Executor, records: readonly ParkedRecordInput[]): Promise<void> {
  for (const r of records) {
    const payload = storableJson(JSON.stringify(r.payload ?? null));
    await sql`
      insert into intercom_sync.parked_records as p (entity, record_key, intercom_id, source, reason, payload, run_id)
      values (${r.entity}, ${r.recordKey}, ${r.intercomId}, ${r.source}, ${r.reason}, ${payload}::jsonb, ${r.runId ?? null})
      on conflict (entity, md5(record_key)) do update set
        source = excluded.source, reason = excluded.reason, payload = excluded.payload, run_id = excluded.run_id,
        attempts = p.attempts + 1, last_failed_at = now()`.execute(db);
  }
}

/**
 * Forgets the parked entries of records that have now been stored.
 * @example await unparkRecords(trx, 'contact', rows.map((r) => r.intercom_id));
 */
export async function unparkRecords(
  db: Executor,
  entity: ParkedEntity,
  recordKeys: readonly string[],
): Promise<void> {
  if (recordKeys.length === 0) return;
  await sql`
    delete from intercom_sync.parked_records
    where entity = ${entity} and md5(record_key) = any(select md5(k) from unnest(${recordKeys}::text[]) k)`.execute(
    db,
  );
}

/** Newest failure first. @example const parked = await listParkedRecords(db, 100); */
export async function listParkedRecords(db: Executor, limit: number): Promise<ParkedRecord[]> {
  const result = await sql<ParkedRecord>`
    select id::int as id, entity, intercom_id, source, reason, attempts, parked_at, last_failed_at
    from intercom_sync.parked_records order by last_failed_at desc, id desc limit ${limit}`.execute(db);
  return result.rows;
}

/** How many records are parked, by entity. @example const { contact = 0 } = await parkedCounts(db); */
export async function parkedCounts(db: Executor): Promise<Partial<Record<ParkedEntity, number>>> {
  const result = await sql<{ entity: ParkedEntity; n: number }>`
    select entity, count(*)::int as n from intercom_sync.parked_records group by entity`.execute(db);
  return Object.fromEntries(result.rows.map((r) => [r.entity, r.n]));
}

/**
 * Drops parked entries by id (`failed retry`): the next read of each record tries it afresh and
 * parks it again if it still cannot be stored. Returns the ids that were parked.
 * @example const cleared = await clearParkedRecords(db, [3, 4]);
 */
export async function clearParkedRecords(db: Executor, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const result = await sql<{ id: number }>`
    delete from intercom_sync.parked_records where id = any(${ids}::bigint[]) returning id::int as id`.execute(
    db,
  );
  return result.rows.map((r) => r.id);
}
