// Resume points of a full run's partitions: a crashed run continues each one where it stopped.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export interface Checkpoint {
  readonly partition: string;
  /** The API's cursor for the next page (null: start of the partition, or done). */
  readonly cursor: string | null;
  readonly done: boolean;
  /** Records read in this partition so far. */
  readonly fetched: number;
}

/**
 * Saves a partition's position. Save it after the page's rows are committed, so a resume
 * re-reads at most one page (and the newer-wins upsert absorbs the overlap).
 * @example await saveCheckpoint(db, runId, 'contacts', { partition: '2023', cursor: next, done: !next, fetched });
 */
export async function saveCheckpoint(
  db: Executor,
  runId: number,
  stream: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await db
    .insertInto('intercom_sync.checkpoints')
    .values({ run_id: runId, stream, ...checkpoint })
    .onConflict((oc) =>
      oc.columns(['run_id', 'stream', 'partition']).doUpdateSet({
        cursor: checkpoint.cursor,
        done: checkpoint.done,
        fetched: checkpoint.fetched,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

/** @example const resume = await readCheckpoints(db, run.id, 'contacts'); */
export async function readCheckpoints(db: Executor, runId: number, stream: string): Promise<Checkpoint[]> {
  return db
    .selectFrom('intercom_sync.checkpoints')
    .select(['partition', 'cursor', 'done', 'fetched'])
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .orderBy('partition')
    .execute();
}
