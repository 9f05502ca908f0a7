// Deletes found by a full pass: record every id it saw, then mark the rest deleted, only if it completed.
import { sql, type RawBuilder } from 'kysely';
import { ServiceError } from '../errors.js';
import { withSyncWrites, type Executor } from './sync-writes.js';

/** The mirror tables a pass can sweep; also the names of their run streams. */
export type MirrorEntity = 'contacts' | 'companies' | 'tags' | 'segments' | 'notes';

/** Ids per insert into the seen table; an id is ~25 bytes, so a batch stays well under 1 MB. */
const SEEN_BATCH = 10_000;

/** A sweep was asked for a stream that has not been marked complete: it would delete live rows. */
export class IncompletePassError extends ServiceError {
  override name = 'IncompletePassError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

/**
 * Records the Intercom ids a run has read, in batches (idempotent: re-recording is harmless).
 * @example await recordSeen(db, runId, 'contacts', page.data.map((c) => c.id));
 */
export async function recordSeen(
  db: Executor,
  runId: number,
  entity: MirrorEntity,
  intercomIds: readonly string[],
): Promise<void> {
  for (let start = 0; start < intercomIds.length; start += SEEN_BATCH) {
    await seenInsert(runId, entity, intercomIds.slice(start, start + SEEN_BATCH)).execute(db);
  }
}

/**
 * The statement recordSeen runs, for a caller that folds it into one of its own (a CTE), saving a
 * round trip per page. Keep `intercomIds` to a page's worth.
 * @example sql`with seen as (${seenInsert(runId, 'contacts', ids)}) select …`
 */
export function seenInsert(runId: number, entity: MirrorEntity, intercomIds: readonly string[]): RawBuilder<unknown> {
  return sql`
    insert into intercom_sync.seen (run_id, entity, intercom_id)
    select ${runId}, ${entity}, id from unnest(${intercomIds}::text[]) as id
    on conflict do nothing`;
}

export interface SweepOptions {
  /** Rows changed this long before the run started are spared too (search index lag). Default 0. */
  readonly graceSeconds?: number;
}

/**
 * Marks deleted (`deleted_at = now()`) every row the run did not see. Refuses unless the run's
 * stream for `entity` was marked complete (markStreamComplete), so a pass that stopped early
 * deletes nothing. Rows never pushed to Intercom (intercom_id null) are never touched, and
 * neither are rows whose remote updated_at is after the run started (less `graceSeconds`): they
 * may have been created after the pass listed their page (a webhook wrote them), or be too new
 * for search to return yet (index lag, docs/intercom-api.md#index-lag), so their absence proves nothing.
 * @example const deleted = await markUnseenDeleted(db, runId, 'contacts', { graceSeconds: 300 });
 */
export async function markUnseenDeleted(
  db: Executor,
  runId: number,
  entity: MirrorEntity,
  options: SweepOptions = {},
): Promise<number> {
  // The seen table is refilled under a new run_id every run, so its statistics (from the last
  // autoanalyze) know only an older run: the planner then expects ~1 seen row and picks a nested
  // loop anti join over every row of both sides, quadratic (bench/full-sync.ts: the second sync of
  // 100k contacts spent minutes in this one statement). Fresh statistics give a hash anti join.
  await sql`analyze intercom_sync.seen`.execute(db);
  return withSyncWrites(db, async (trx) => {
    const stream = await trx
      .selectFrom('intercom_sync.run_streams as s')
      .innerJoin('intercom_sync.runs as r', 'r.id', 's.run_id')
      .select(['s.complete', 'r.started_at'])
      .where('s.run_id', '=', runId)
      .where('s.stream', '=', entity)
      .executeTakeFirst();
    if (!stream?.complete) {
      throw new IncompletePassError(
        `refusing to sweep ${entity} for run ${runId}: the pass did not complete`,
      );
    }
    const table = sql.table(`intercom.${entity}`);
    const recent = hasRemoteClock(entity)
      ? sql`and (t.updated_at is null or t.updated_at < ${cutoff(stream.started_at, options.graceSeconds)})`
      : sql``;
    // Archived contacts vanish from list and search just as deleted ones do
    // (docs/intercom-api.md#archive-delete-merge): a pass
    // cannot tell them apart, so a row known to be archived (from its webhook) is not swept.
    const archived = entity === 'contacts' ? sql`and not t.archived` : sql``;
    const result = await sql`
      update ${table} t set deleted_at = now()
      where t.intercom_id is not null and t.deleted_at is null ${recent} ${archived}
        and not exists (
          select 1 from intercom_sync.seen s
          where s.run_id = ${runId} and s.entity = ${entity} and s.intercom_id = t.intercom_id)`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}

/**
 * Drops a run's seen ids once its sweeps are done (the table is scratch).
 * @example await forgetSeen(db, runId);
 */
export async function forgetSeen(db: Executor, runId: number): Promise<void> {
  await db.deleteFrom('intercom_sync.seen').where('run_id', '=', runId).execute();
}

function cutoff(runStartedAt: Date, graceSeconds = 0): Date {
  return new Date(runStartedAt.getTime() - graceSeconds * 1000);
}

function hasRemoteClock(entity: MirrorEntity): boolean {
  return entity === 'contacts' || entity === 'companies' || entity === 'segments';
}
