// Pushes a contact's local changes: create (new intercom_id written back), update of the fields
// that changed (merged per field against the agreed state), archive/unarchive, delete.
import { columnsChangedAfter, everChangedLocally, type OutboxRow } from '../../db/outbox.js';
import { recordConflicts, settledFieldConflicts } from '../../db/conflicts.js';
import { contactRowOf } from '../../db/local-ids.js';
import { setContactArchived } from '../../db/pushed-rows.js';
import { dropSnapshot, readContactWithSnapshot } from '../../db/snapshots.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { planFieldPush, toApiBody, type LocalChange } from '../../mappers/field-merge.js';
import {
  checkContactUpdate,
  CONTACT_PUSHABLE,
  CONTACT_TIMESTAMPS,
  contactCreateBody,
  PushRejectedError,
} from '../../mappers/push-input.js';
import { IntercomApiError } from '../../intercom/errors.js';
import type { Contact, ContactInput } from '../../intercom/types.js';
import { releaseIdentities, settleIdentities } from '../../db/recent-creates.js';
import { isPermanent } from '../../errors.js';
import { checkCustomAttributes } from './attribute-check.js';
import { planCreate } from './recent-creates.js';
import { policyFor, type PushContext } from './context.js';
import { remoteView, restoreRemoteFields, writeBack } from './write-back.js';

const call = { lane: 'outbound' as const };

export interface PushResult {
  /** API writes made (creates, updates, archives, deletes). */
  readonly calls: number;
  /** Changes that had nothing left to send (reverted, or Intercom already had the value). */
  readonly superseded: boolean;
}

export function asLocalChanges(rows: readonly OutboxRow[]): LocalChange[] {
  return rows.map((r) => ({
    id: r.id,
    op: r.op,
    changedColumns: r.changed_columns,
    oldData: r.old_data,
    newData: r.new_data,
    createdAt: r.created_at,
  }));
}

/** @example await pushContact(ctx, rowId, claimedChanges); */
export async function pushContact(
  ctx: PushContext,
  rowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const row = await readContactWithSnapshot(ctx.db, rowId);
  const lastId = changes.at(-1)!.id;
  if (!row)
    return deleteRemote(ctx, 'contact', rowId, changes, (id) => ctx.intercom.contacts.delete(id, call));
  if (!row.intercom_id) return createContact(ctx, row, lastId, changes[0]!.created_at);

  const remote = remoteView(row, changes[0]!.old_data);
  const plan = planFieldPush({
    changes: asLocalChanges(changes),
    current: remote.current,
    remoteUpdatedAt: remote.remoteUpdatedAt,
    pushable: CONTACT_PUSHABLE,
    timestamps: CONTACT_TIMESTAMPS,
    policyFor: policyFor(ctx.push, 'contact'),
  });
  const { archived: archivedTo, ...fields } = plan.push;
  const archived = archivedTo === undefined ? undefined : Boolean(archivedTo);
  const body = toApiBody(fields);
  const roleBefore = changes.find((c) => c.changed_columns.includes('role'))?.old_data?.role ?? row.role;
  if (Object.keys(body).length > 0) checkContactUpdate(body, row, roleBefore);
  const conflicts = settledFieldConflicts('contact', rowId, row.intercom_id, plan.conflicts);
  let calls = await checkCustomAttributes(ctx, 'contact', rowId, body.custom_attributes);
  let latest: Contact | undefined;
  // An archived contact answers 404 to an update (docs/intercom-api.md#archive-delete-merge): unarchive
  // first, archive last.
  if (archived === false) {
    await ctx.intercom.contacts.unarchive(row.intercom_id, call);
    calls++;
  }
  if (Object.keys(body).length > 0) {
    latest = await ctx.intercom.contacts.update(
      row.intercom_id,
      { role: row.role, ...body } as ContactInput,
      call,
    );
    calls++;
  }
  if (archived === true) {
    await ctx.intercom.contacts.archive(row.intercom_id, call);
    calls++;
  }
  const keep = await columnsChangedAfter(ctx.db, 'contact', rowId, lastId);
  if (latest) {
    await writeBack(ctx, 'contact', rowId, latest, keep, {
      knownAs: row.intercom_id,
      also: (trx) => recordConflicts(trx, conflicts),
    });
  } else {
    await withSyncWrites(ctx.db, async (trx) => {
      // Intercom won every conflicting field (or nothing was left to send): show its values.
      await recordConflicts(trx, conflicts);
      await restoreRemoteFields(trx, 'contact', rowId, plan.conflicts, remote.current);
      if (archived !== undefined) await setContactArchived(trx, rowId, archived);
    });
  }
  return { calls, superseded: calls === 0 };
}

async function createContact(
  ctx: PushContext,
  row: Record<string, unknown> & { id: number },
  lastId: number,
  since: Date,
): Promise<PushResult> {
  const body = contactCreateBody(row);
  let created: Contact;
  let calls = 1 + (await checkCustomAttributes(ctx, 'contact', row.id, body.custom_attributes));
  // The same person created moments ago (search cannot tell yet): waited for, or adopted.
  const plan = await planCreate(ctx, row);
  try {
    created =
      plan.kind === 'adopt'
        ? await ctx.intercom.contacts.update(plan.intercomId, body as ContactInput, call)
        : await ctx.intercom.contacts.create(body as ContactInput, call);
  } catch (error) {
    if (!(error instanceof IntercomApiError) || !error.conflictId) {
      if (isPermanent(error)) await releaseIdentities(ctx.db, row.id);
      throw error;
    }
    // "A contact matching those details already exists with id=…" (docs/intercom-api.md#create-conflicts):
    // adopt it, never create a second one. If another local row already mirrors it, an operator decides.
    const conflictId = error.conflictId;
    const linked = await contactRowOf(ctx.db, conflictId);
    const detail = {
      message: error.message,
      conflictId,
      archived: Boolean(error.conflictArchived),
      status: error.status,
    };
    if (linked && linked.id !== row.id && !(await mirrorsThisCreate(ctx, linked, since))) {
      await recordConflicts(ctx.db, [
        {
          entity: 'contact',
          rowId: row.id,
          intercomId: conflictId,
          kind: 'api_conflict',
          status: 'open',
          detail: { ...detail, linkedRowId: linked.id },
        },
      ]);
      throw new PushRejectedError(
        `Intercom already has this contact (id=${conflictId}), mirrored as local row ${linked.id}; ` +
          'see `intercom-sync conflicts list` to decide',
      );
    }
    if (error.conflictArchived) {
      await ctx.intercom.contacts.unarchive(conflictId, call);
      calls++;
    }
    created = await ctx.intercom.contacts.update(conflictId, body as ContactInput, call);
    calls++;
    await recordConflicts(ctx.db, [
      {
        entity: 'contact',
        rowId: row.id,
        intercomId: conflictId,
        kind: 'api_conflict',
        status: 'settled',
        detail,
      },
    ]);
  }
  await settleIdentities(ctx.db, row.id, created.id!);
  if (row.archived === true) {
    await ctx.intercom.contacts.archive(created.id!, call);
    calls++;
  }
  const keep = await columnsChangedAfter(ctx.db, 'contact', row.id, lastId);
  await writeBack(ctx, 'contact', row.id, created, keep);
  return { calls, superseded: false };
}

/** How far Intercom's clock may be behind ours when telling this create's contact from an older one. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Whether the other row mirroring the contact a create ran into is only the mirror of this very
 * create: Intercom stored the contact but its answer was lost (a 5xx or a cut body), a webhook or
 * a sync mirrored it meanwhile, and the retry met the 409. Such a row was never changed locally
 * (no outbox entry, ever) and its contact was created after the local row; it gives way to the
 * local row, as writeBack makes it do when the answer does arrive. An older mirrored contact is
 * another matter: an operator decides (`conflicts list`).
 */
async function mirrorsThisCreate(
  ctx: PushContext,
  linked: { id: number; created_at: Date | null },
  since: Date,
): Promise<boolean> {
  if (!linked.created_at || linked.created_at.getTime() < since.getTime() - CLOCK_SKEW_MS) return false;
  return !(await everChangedLocally(ctx.db, 'contact', linked.id));
}

export function ignoreNotFound(error: unknown): void {
  if (error instanceof IntercomApiError && error.status === 404) return;
  throw error;
}

/** The row was deleted locally: delete the record in Intercom too, if it ever got there. */
export async function deleteRemote(
  ctx: PushContext,
  entity: 'contact' | 'company',
  rowId: number,
  changes: readonly OutboxRow[],
  remove: (intercomId: string) => Promise<unknown>,
): Promise<PushResult> {
  const intercomId = changes.map((c) => c.old_data?.intercom_id).find((id) => typeof id === 'string') as
    string | undefined;
  if (!intercomId) return { calls: 0, superseded: true };
  await remove(intercomId).catch(ignoreNotFound);
  await dropSnapshot(ctx.db, entity, rowId);
  return { calls: 1, superseded: false };
}
