// After a push, the mirror row becomes what Intercom returned and that becomes the agreed
// snapshot: the same state coming back by webhook or poll then changes nothing (no echo).
import { writePushedRecord } from '../../db/pushed-rows.js';
import { writeFields } from '../../db/row-fields.js';
import { saveSnapshot, type SnapshotColumns } from '../../db/snapshots.js';
import { withPushWrites, type Executor } from '../../db/sync-writes.js';
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
  /** Writes for the same transaction before the row's (changes parked, so the row holds them). */
  readonly before?: (trx: Executor) => Promise<void>;
  /** More writes for the same transaction (the conflicts this push decided). */
  readonly also?: (trx: Executor) => Promise<void>;
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
  // The record's own webhook (or a sync page) may be inserting it as a row of its own right now: the
  // delete in writePushedRecord cannot see that row until it commits, and the update then fails on
  // the unique intercom_id. Once it has committed, the same transaction again removes it.
  for (let attempt = 1; ; attempt++) {
    try {
      await withPushWrites(ctx.db, async (trx) => {
        await options.before?.(trx);
        await writePushedRecord(trx, table, rowId, row, options.knownAs);
        // The agreed state is Intercom's answer, also for the columns kept locally (their push is next
        // and merges against it), over the row for what the answer does not carry (archived).
        await saveSnapshot(trx, entity, rowId, agreed, (mapped.updated_at as Date | null) ?? null);
        await options.also?.(trx);
      });
      return;
    } catch (error) {
      if (!isIntercomIdCollision(error) || attempt >= 3) throw error;
      ctx.log.info({ entity, rowId }, 'write-back met a row mirrored meanwhile; writing again');
    }
  }
}

/** A unique violation on a mirror table's intercom_id (`contacts_intercom_id_key`, …). */
function isIntercomIdCollision(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' && constraint.endsWith('_intercom_id_key');
}

/**
 * Intercom's state of a record as last seen, and when Intercom last changed it: the snapshot the
 * capture trigger keeps while local changes wait, or (none yet) the row before the first change.
 * @example const remote = remoteView(await readContactWithSnapshot(ctx.db, rowId), changes[0].old_data);
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
  trx: Executor,
  entity: Entity,
  rowId: number,
  conflicts: readonly FieldConflict[],
  remote: Readonly<Record<string, unknown>>,
): Promise<void> {
  const lost = conflicts.filter((c) => c.decision === 'remote').map((c) => c.field);
  if (lost.length === 0) return;
  const values: Record<string, unknown> = {};
  for (const field of lost) {
    const { column, key } = parseFieldPath(field);
    values[field] = key !== null ? readField(remote, field) : remote[column];
  }
  await writeFields(trx, entity === 'contact' ? 'intercom.contacts' : 'intercom.companies', rowId, values);
}
