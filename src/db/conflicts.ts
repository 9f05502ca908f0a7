// The conflicts table: every field both sides changed, every API conflict, and how each was settled.
import type { FieldConflict } from '../mappers/field-merge.js';
import type { Executor } from './sync-writes.js';

export interface ConflictRecord {
  readonly entity: string;
  readonly rowId: number;
  readonly intercomId: string | null;
  readonly kind: 'field' | 'api_conflict';
  readonly field?: string;
  readonly base?: unknown;
  readonly local?: unknown;
  readonly remote?: unknown;
  readonly policy?: string;
  readonly decision?: 'local' | 'remote';
  /** open = waits for an operator (`conflicts resolve`); settled = decided by policy. */
  readonly status: 'open' | 'settled';
  readonly detail?: Record<string, unknown>;
}

/**
 * The records of the field conflicts a push settled by policy (planFieldPush decided them).
 * @example await recordConflicts(trx, settledFieldConflicts('contact', rowId, row.intercom_id, plan.conflicts));
 */
export function settledFieldConflicts(
  entity: 'contact' | 'company',
  rowId: number,
  intercomId: string | null,
  conflicts: readonly FieldConflict[],
): ConflictRecord[] {
  return conflicts.map((c) => ({ entity, rowId, intercomId, kind: 'field', status: 'settled', ...c }));
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** @example await recordConflicts(trx, [{ entity: 'contact', rowId, kind: 'field', field: 'name', … }]); */
export async function recordConflicts(db: Executor, conflicts: readonly ConflictRecord[]): Promise<void> {
  if (conflicts.length === 0) return;
  await db
    .insertInto('intercom_sync.conflicts')
    .values(
      conflicts.map((c) => ({
        entity: c.entity,
        row_id: c.rowId,
        intercom_id: c.intercomId,
        kind: c.kind,
        field: c.field ?? null,
        base_value: json(c.base),
        local_value: json(c.local),
        remote_value: json(c.remote),
        policy: c.policy ?? null,
        decision: c.decision ?? null,
        status: c.status,
        detail: json(c.detail),
      })),
    )
    .execute();
}

/** @example const rows = await listConflicts(db, { openOnly: true }); */
export async function listConflicts(db: Executor, options: { openOnly?: boolean; limit?: number } = {}) {
  let query = db
    .selectFrom('intercom_sync.conflicts')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100);
  if (options.openOnly) query = query.where('status', '=', 'open');
  return query.execute();
}

export async function getConflict(db: Executor, id: number) {
  return db.selectFrom('intercom_sync.conflicts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markConflictResolved(
  db: Executor,
  id: number,
  decision: 'local' | 'remote',
): Promise<void> {
  await db
    .updateTable('intercom_sync.conflicts')
    .set({ status: 'resolved', decision, resolved_at: new Date() })
    .where('id', '=', id)
    .execute();
}
