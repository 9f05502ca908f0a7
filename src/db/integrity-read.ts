// What verify reads besides the mirror: runs left `running` with nothing moving (interrupted), and the
// identities of contacts created from local rows (to find a second Intercom contact sharing one).
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export interface InterruptedRun {
  readonly id: number;
  readonly kind: string;
  readonly started_at: Date;
  /** The last sign of progress: the run's start, a stream starting or ending, or a checkpoint. */
  readonly last_activity: Date;
}

/**
 * Runs still marked `running` whose last sign of progress is older than `idleMs`: their process
 * died (or hangs), and unless a resume picks them up nothing will finish them.
 * @example const runs = await interruptedRuns(db, 15 * 60_000);
 */
export async function interruptedRuns(db: Executor, idleMs: number): Promise<InterruptedRun[]> {
  const result = await sql<InterruptedRun>`
    select r.id::int as id, r.kind, r.started_at, greatest(
        r.started_at,
        (select max(greatest(s.started_at, coalesce(s.finished_at, s.started_at))) from intercom_sync.run_streams s where s.run_id = r.id),
        (select max(c.updated_at) from intercom_sync.checkpoints c where c.run_id = r.id)) as last_activity
    from intercom_sync.runs r
    where r.status = 'running'
      and greatest(
        r.started_at,
        (select max(greatest(s.started_at, coalesce(s.finished_at, s.started_at))) from intercom_sync.run_streams s where s.run_id = r.id),
        (select max(c.updated_at) from intercom_sync.checkpoints c where c.run_id = r.id))
        < now() - make_interval(secs => ${idleMs / 1000})
    order by r.id`.execute(db);
  return result.rows;
}

/** A contact row created locally and the identity it holds. */
export interface CreatedIdentity {
  readonly row_id: number;
  readonly intercom_id: string | null;
  readonly role: string;
  readonly email: string | null;
  readonly external_id: string | null;
}

/**
 * Every live contact row that a push created (it has a create attempt), with its identity.
 * @example const created = await createdIdentities(db);
 */
export async function createdIdentities(db: Executor): Promise<CreatedIdentity[]> {
  const result = await sql<CreatedIdentity>`
    select c.id::int as row_id, c.intercom_id, c.role, c.email, c.external_id
    from intercom.contacts c
    where c.deleted_at is null
      and exists (select 1 from intercom_sync.creates a where a.entity = 'contact' and a.row_id = c.id)`.execute(
    db,
  );
  return result.rows;
}
