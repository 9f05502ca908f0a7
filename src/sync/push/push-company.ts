// Pushes a company's local changes through POST /companies, Intercom's create-or-update keyed by
// company_id (the only update in 2.2, docs/intercom-api.md#create-or-update-by-company_id); a local delete
// deletes it there.
import { columnsChangedAfter, type OutboxRow } from '../../db/outbox.js';
import { readCompanyWithSnapshot } from '../../db/snapshots.js';
import { recordConflicts, settledFieldConflicts } from '../../db/conflicts.js';
import { withPushWrites } from '../../db/sync-writes.js';
import { planFieldPush } from '../../mappers/field-merge.js';
import { COMPANY_PUSHABLE, COMPANY_TIMESTAMPS, companyBody } from '../../mappers/push-input.js';
import type { CompanyInput } from '../../intercom/types.js';
import { checkCustomAttributes } from './attribute-check.js';
import { policyFor, type PushContext } from './context.js';
import { asLocalChanges, deleteRemote, type PushResult } from './push-contact.js';
import { remoteView, restoreRemoteFields, writeBack } from './write-back.js';

const call = { lane: 'outbound' as const };

/** @example await pushCompany(ctx, rowId, claimedChanges); */
export async function pushCompany(
  ctx: PushContext,
  rowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const row = await readCompanyWithSnapshot(ctx.db, rowId);
  if (!row)
    return deleteRemote(ctx, 'company', rowId, changes, (id) => ctx.intercom.companies.delete(id, call));
  const creating = !row.intercom_id;
  const remote = remoteView(row, changes[0]!.old_data);
  const plan = creating
    ? { push: undefined, conflicts: [] }
    : planFieldPush({
        changes: asLocalChanges(changes),
        ...remote,
        pushable: COMPANY_PUSHABLE,
        timestamps: COMPANY_TIMESTAMPS,
        policyFor: policyFor(ctx.push, 'company'),
      });
  if (plan.push && Object.keys(plan.push).length === 0) {
    await withPushWrites(ctx.db, async (trx) => {
      await recordConflicts(trx, settledFieldConflicts('company', rowId, row.intercom_id, plan.conflicts));
      await restoreRemoteFields(trx, 'company', rowId, plan.conflicts, remote.current);
    });
    return { calls: 0, superseded: true };
  }
  const body = companyBody(row, plan.push);
  const attributeCalls = await checkCustomAttributes(ctx, 'company', rowId, body.custom_attributes);
  const saved = await ctx.intercom.companies.upsert(body as CompanyInput, call);
  const keep = await columnsChangedAfter(ctx.db, 'company', rowId, changes.at(-1)!.id);
  await writeBack(ctx, 'company', rowId, saved, keep, {
    knownAs: row.intercom_id,
    also: (trx) =>
      recordConflicts(trx, settledFieldConflicts('company', rowId, row.intercom_id, plan.conflicts)),
  });
  return { calls: 1 + attributeCalls, superseded: false };
}
