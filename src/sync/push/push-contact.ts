// Pushes a contact's local changes: create (new intercom_id written back), update of the fields
// that changed (merged per field against the agreed state), archive/unarchive, delete.
import {
  columnsChangedAfter,
  everChangedLocally,
  parkRejectedFields,
  type OutboxRow,
} from '../../db/outbox.js';
import { readField } from '../../mappers/field-path.js';
import { updateSplittingRejects, type RejectedField } from './rejected-fields.js';
import { recordConflicts, settledFieldConflicts } from '../../db/conflicts.js';
import { contactRowOf, mirroredLostCreate } from '../../db/local-ids.js';
import { lastCreateAttempt, recordCreated, startCreateAttempt } from '../../db/creates.js';
import { setContactArchived } from '../../db/pushed-rows.js';
import { dropSnapshot, readContactWithSnapshot } from '../../db/snapshots.js';
import { withPushWrites } from '../../db/sync-writes.js';
import { planFieldPush, toApiBody, type LocalChange } from '../../mappers/field-merge.js';
import {
  checkContactUpdate,
  CONTACT_PUSHABLE,
  CONTACT_TIMESTAMPS,
  contactCreateBody,
  PushRejectedError,
} from '../../mappers/push-input.js';
import { IntercomApiError, isNotFound } from '../../intercom/errors.js';
import type { Contact, ContactInput, SearchFilter } from '../../intercom/types.js';
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
  let rejected: readonly RejectedField[] = [];
  if (Object.keys(body).length > 0) {
    const intercomId = row.intercom_id;
    const sent = await updateSplittingRejects(
      (some) =>
        ctx.intercom.contacts.update(
          intercomId,
          { role: row.role, ...toApiBody(some) } as ContactInput,
          call,
        ),
      fields,
    );
    latest = sent.answer;
    rejected = sent.rejected;
    calls += sent.calls;
  }
  if (archived === true) {
    await ctx.intercom.contacts.archive(row.intercom_id, call);
    calls++;
  }
  const keep = await columnsChangedAfter(ctx.db, 'contact', rowId, lastId);
  if (latest) {
    // Refused fields are parked before the answer is written, so the row keeps their local values.
    const parked = rejected.map((r) => ({
      ...r,
      remote: readField(remote.current, r.field),
      local: fields[r.field],
    }));
    await writeBack(ctx, 'contact', rowId, latest, keep, {
      knownAs: row.intercom_id,
      before: (trx) => parkRejectedFields(trx, 'contact', rowId, parked),
      also: (trx) => recordConflicts(trx, conflicts),
    });
    if (parked.length > 0)
      ctx.log.warn(
        { rowId, fields: parked.map((p) => p.field) },
        'Intercom refused some fields; the rest were pushed (see `intercom-sync failed list`)',
      );
  } else {
    await withPushWrites(ctx.db, async (trx) => {
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
  let created: Contact | undefined;
  // A custom attribute Intercom lacks is created first (PUSH_CREATE_ATTRIBUTES) or fails the push.
  let calls = await checkCustomAttributes(ctx, 'contact', row.id, body.custom_attributes);
  // This row may have been created before: its answer lost (a 5xx, a cut body, a kill) or its
  // write-back failed. Then the retry updates that contact; a second create would be a duplicate,
  // and a lead never meets a 409 that would say so.
  const earlier = await earlierCreate(ctx, row);
  if (earlier) {
    created = await ctx.intercom.contacts
      .update(earlier, body as ContactInput, call)
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
    calls++;
  }
  if (!created) {
    // The same person created moments ago (search cannot tell yet): waited for, or adopted.
    const plan = await planCreate(ctx, row);
    // Recorded before the call, so a retry knows to look for what this call may have created.
    const attempt = await startCreateAttempt(ctx.db, 'contact', row.id, identifyingFields(row));
    const result = await createOrAdopt(ctx, row, body, since, plan);
    created = result.contact;
    calls += result.calls;
    await recordCreated(ctx.db, attempt, created.id!);
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

/**
 * The Intercom id an earlier create of this row got: recorded with its answer, or (answer lost)
 * found as the contact that create made — mirrored meanwhile by its webhook or a sync, or found by
 * a search on what the create sent, created since it was sent.
 */
async function earlierCreate(
  ctx: PushContext,
  row: Record<string, unknown> & { id: number },
): Promise<string | undefined> {
  const prior = await lastCreateAttempt(ctx.db, 'contact', row.id);
  if (!prior) return undefined;
  if (prior.intercom_id) return prior.intercom_id;
  const after = new Date(prior.attempted_at.getTime() - CLOCK_SKEW_MS);
  // Looked for by what that create sent: the row may have been edited locally since.
  const sent = prior.sent ? { ...row, ...prior.sent } : row;
  const found = (await mirroredLostCreate(ctx.db, sent, after)) ?? (await searchLostCreate(ctx, sent, after));
  if (found) await recordCreated(ctx.db, prior.id, found);
  return found;
}

/** The fields a lost create's contact is recognised by (docs/local-changes.md#one-intercom-record-per-local-row). */
const IDENTIFYING = ['role', 'email', 'external_id', 'phone', 'name'] as const;

/**
 * What a create of `row` sends to identify the person, recorded with the attempt.
 * @example identifyingFields({ id: 1, role: 'lead', name: 'Ada' }) // → { role: 'lead', email: null, … name: 'Ada' }
 */
export function identifyingFields(row: Readonly<Record<string, unknown>>): Record<string, string | null> {
  return Object.fromEntries(
    IDENTIFYING.map((f) => [f, typeof row[f] === 'string' ? (row[f] as string) : null]),
  );
}

/**
 * What a lost create is recognised by: the row's email, phone and (users) external id, or its name
 * when it has none of those. Not the name beside them: the row may have been renamed since that
 * create was sent (its answer lost to a kill or a Postgres restart), and then nothing would match.
 */
export function lostCreateKeys(row: Readonly<Record<string, unknown>>): string[] {
  const present = (f: string) => typeof row[f] === 'string' && row[f] !== '';
  const strong = ['email', 'external_id', 'phone'].filter(
    (f) => present(f) && !(f === 'external_id' && row.role === 'lead'),
  );
  return strong.length > 0 ? strong : ['name'].filter(present);
}

/**
 * Intercom's newest contact created after `after` with the row's identifying fields (lostCreateKeys). Search
 * compares timestamps by day (docs/intercom-api.md#timestamps-compare-by-day): it is asked from the
 * day before, and the exact instant is checked here.
 */
async function searchLostCreate(
  ctx: PushContext,
  row: Readonly<Record<string, unknown>>,
  after: Date,
): Promise<string | undefined> {
  const fields = lostCreateKeys(row);
  if (fields.length === 0) return undefined;
  const since = Math.floor(after.getTime() / 1000);
  const query = {
    operator: 'AND',
    value: [
      { field: 'created_at', operator: '>', value: since - DAY_SECONDS },
      { field: 'role', operator: '=', value: String(row.role ?? 'user') },
      ...fields.map((f) => ({ field: f, operator: '=', value: String(row[f]) })),
    ],
  } as SearchFilter;
  let newest: Contact | undefined;
  for await (const page of ctx.intercom.contacts.search(query, { lane: 'outbound' })) {
    for (const c of page.items) {
      const created = typeof c.created_at === 'number' ? c.created_at : 0;
      if (
        typeof c.id === 'string' &&
        created >= since &&
        (!newest || created > (newest.created_at as number))
      )
        newest = c;
    }
  }
  return newest?.id;
}

const DAY_SECONDS = 86_400;

/** Create this row, or update the contact a moment-old create of the same person made. */
type CreatePlan = Awaited<ReturnType<typeof planCreate>>;

/** POST /contacts, or the contact a 409 names adopted (or parked for an operator). */
async function createOrAdopt(
  ctx: PushContext,
  row: Record<string, unknown> & { id: number },
  body: Record<string, unknown>,
  since: Date,
  plan: CreatePlan,
): Promise<{ contact: Contact; calls: number }> {
  try {
    const contact =
      plan.kind === 'adopt'
        ? await ctx.intercom.contacts.update(plan.intercomId, body as ContactInput, call)
        : await ctx.intercom.contacts.create(body as ContactInput, call);
    return { contact, calls: 1 };
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
          'see `intercom-pg-sync conflicts list` to decide',
      );
    }
    let calls = 1;
    if (error.conflictArchived) {
      await ctx.intercom.contacts.unarchive(conflictId, call);
      calls++;
    }
    const contact = await ctx.intercom.contacts.update(conflictId, body as ContactInput, call);
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
    return { contact, calls };
  }
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
  if (!isNotFound(error)) throw error;
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
