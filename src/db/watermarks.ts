// Per-stream watermarks: the newest remote updated_at whose rows are committed. They only move forward.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

/** @example const since = await readWatermark(db, 'contacts'); */
export async function readWatermark(db: Executor, stream: string): Promise<Date | null> {
  const row = await db
    .selectFrom('intercom_sync.watermarks')
    .select('watermark')
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row?.watermark ?? null;
}

/**
 * Moves the watermark to `to` if that is later than the stored one; returns the watermark now
 * in force. Call it with the transaction of the batch that holds the rows up to `to` (or after
 * that batch committed), so a crash never leaves a watermark ahead of the rows.
 * @example await withSyncWrites(db, async (trx) => { await upsertContacts(trx, rows); await advanceWatermark(trx, 'contacts', newest, runId); });
 */
export async function advanceWatermark(
  db: Executor,
  stream: string,
  to: Date,
  runId?: number,
): Promise<Date> {
  const result = await sql<{ watermark: Date }>`
    insert into intercom_sync.watermarks as w (stream, watermark, last_run_id)
    values (${stream}, ${to}, ${runId ?? null})
    on conflict (stream) do update
      set watermark = excluded.watermark, last_run_id = excluded.last_run_id, updated_at = now()
      where w.watermark is null or w.watermark < excluded.watermark
    returning watermark`.execute(db);
  const advanced = result.rows[0];
  if (advanced?.watermark) return advanced.watermark;
  return (await readWatermark(db, stream)) ?? to;
}
