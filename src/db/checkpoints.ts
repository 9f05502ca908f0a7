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

/** The stream name under which a planned run records that its partition rows are complete. */
const planMarker = (stream: string) => `${stream}:plan`;

/**
 * Records a run's plan: one row per partition (at its start) and the marker saying the rows are
 * all there, in one statement, so a resumed run reads exactly these partitions again. Rows that
 * exist already keep their position.
 * @example await savePlan(db, runId, 'contacts', partitions.map((p) => p.key));
 */
export async function savePlan(
  db: Executor,
  runId: number,
  stream: string,
  partitions: readonly string[],
): Promise<void> {
  const rows = [
    ...partitions.map((partition) => ({
      run_id: runId,
      stream,
      partition,
      cursor: null,
      done: false,
      fetched: 0,
    })),
    {
      run_id: runId,
      stream: planMarker(stream),
      partition: 'complete',
      cursor: null,
      done: true,
      fetched: 0,
    },
  ];
  await db
    .insertInto('intercom_sync.checkpoints')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'stream', 'partition']).doNothing())
    .execute();
}

/**
 * The run's planned partitions with their positions, or null when no plan was recorded (a new run,
 * or one from before plans were: its checkpoints name only the partitions it had started).
 * @example const planned = await readPlan(db, runId, 'contacts');
 */
export async function readPlan(db: Executor, runId: number, stream: string): Promise<Checkpoint[] | null> {
  const marker = await db
    .selectFrom('intercom_sync.checkpoints')
    .select('partition')
    .where('run_id', '=', runId)
    .where('stream', '=', planMarker(stream))
    .executeTakeFirst();
  return marker ? readCheckpoints(db, runId, stream) : null;
}
