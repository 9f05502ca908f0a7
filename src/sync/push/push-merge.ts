// Pushes a merge asked for in Postgres (a row in intercom.contact_merges): lead into user through
// POST /contacts/merge, then the mirror as Intercom now has it — the user's answer written back,
// the lead's notes, tags and companies on the user, the lead marked merged — and the outcome in
// the request row (docs/intercom-api.md#archive-delete-merge).
import { finishMergeRequest, moveMergedLead, readMergeRequest } from '../../db/contact-merges.js';
import type { OutboxRow } from '../../db/outbox.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { isPermanent } from '../../errors.js';
import { PushRejectedError } from '../../mappers/push-input.js';
import { DependencyNotPushedError, type PushContext } from './context.js';
import type { PushResult } from './push-contact.js';
import { writeBack } from './write-back.js';

const call = { lane: 'outbound' as const };

/** @example await pushMerge(ctx, mergeRequestId, claimedChanges); */
export async function pushMerge(
  ctx: PushContext,
  requestId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  // Only the request's insert asks for anything; the outcome is written by the push itself.
  if (!changes.some((c) => c.op === 'insert')) return { calls: 0, superseded: true };
  const request = await readMergeRequest(ctx.db, requestId);
  if (!request || request.status !== 'pending') return { calls: 0, superseded: true };
  const reject = async (reason: string): Promise<never> => {
    await withSyncWrites(ctx.db, (trx) =>
      finishMergeRequest(trx, requestId, { status: 'failed', error: reason }),
    );
    throw new PushRejectedError(reason);
  };
  const { from_contact_id: fromRow, into_contact_id: intoRow } = request;
  if (fromRow === null || intoRow === null || request.from_deleted || request.into_deleted)
    return reject('both contacts of a merge must exist (from_contact_id and into_contact_id name live rows)');
  if (fromRow === intoRow) return reject('a contact cannot be merged into itself');
  if (request.from_role !== 'lead' || request.into_role !== 'user')
    return reject(
      `Intercom merges only a lead into a user; contact row ${fromRow} is a ${request.from_role} and row ${intoRow} a ${request.into_role}`,
    );
  if (!request.from_intercom_id || !request.into_intercom_id)
    throw new DependencyNotPushedError('a contact of this merge is not in Intercom yet');
  const from = request.from_intercom_id;
  const into = request.into_intercom_id;
  let merged;
  try {
    merged = await ctx.intercom.contacts.merge({ from, into }, call);
  } catch (error) {
    if (isPermanent(error)) await reject(`Intercom refused the merge: ${(error as Error).message}`);
    throw error;
  }
  await writeBack(ctx, 'contact', Number(intoRow), merged, new Set(), {
    knownAs: into,
    also: async (trx) => {
      await moveMergedLead(trx, Number(fromRow), Number(intoRow), into);
      await finishMergeRequest(trx, requestId, {
        status: 'merged',
        fromIntercomId: from,
        intoIntercomId: into,
      });
    },
  });
  return { calls: 1, superseded: false };
}
