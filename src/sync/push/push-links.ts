// Pushes a contact's company attachments (contact_companies) and new notes. Both name records by
// their Intercom ids, so they wait until the contact (and company) exist there.
import { intercomIdOfRow } from '../../db/local-ids.js';
import type { OutboxRow } from '../../db/outbox.js';
import { readNote, writePushedNote } from '../../db/pushed-rows.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { mapNote } from '../../mappers/note.js';
import { PushRejectedError } from '../../mappers/push-input.js';
import { DependencyNotPushedError, type PushContext } from './context.js';
import { ignoreNotFound, type PushResult } from './push-contact.js';

const call = { lane: 'outbound' as const };

/** The Intercom id of a local row: null while it has none, undefined when the row is gone. */
function intercomIdOf(ctx: PushContext, table: 'intercom.contacts' | 'intercom.companies', id: unknown) {
  return intercomIdOfRow(ctx.db, table, Number(id));
}

/**
 * Attach/detach, one call per pair whose final state differs from where it started in this batch.
 * @example await pushCompanyLinks(ctx, contactRowId, claimedChanges);
 */
export async function pushCompanyLinks(
  ctx: PushContext,
  contactRowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const contact = await intercomIdOf(ctx, 'intercom.contacts', contactRowId);
  if (contact === undefined) return { calls: 0, superseded: true }; // the contact's delete covers it
  if (contact === null)
    throw new DependencyNotPushedError(`contact row ${contactRowId} is not in Intercom yet`);
  const finalOp = new Map<
    number,
    { first: 'insert' | 'delete'; last: 'insert' | 'delete'; intercomId?: string }
  >();
  for (const change of changes) {
    if (change.op === 'update') continue;
    const data = (change.op === 'insert' ? change.new_data : change.old_data)!;
    const companyId = Number(data.company_id);
    const seen = finalOp.get(companyId);
    finalOp.set(companyId, { first: seen?.first ?? change.op, last: change.op });
  }
  let calls = 0;
  for (const [companyRowId, ops] of finalOp) {
    if (ops.first !== ops.last) continue; // attached and detached again (or the reverse): nothing to do
    const company = await intercomIdOf(ctx, 'intercom.companies', companyRowId);
    if (ops.last === 'insert') {
      if (!company) throw new DependencyNotPushedError(`company row ${companyRowId} is not in Intercom yet`);
      await ctx.intercom.contacts.attachCompany(contact, company, call);
    } else {
      if (!company) continue; // deleted with its company, or never reached Intercom
      await ctx.intercom.contacts.detachCompany(contact, company, call).catch(ignoreNotFound);
    }
    calls++;
  }
  return { calls, superseded: calls === 0 };
}

/**
 * Creates notes written in Postgres. Intercom's API cannot edit or delete a note, so those fail
 * with the reason (unless the contact itself is gone).
 * @example await pushNotes(ctx, noteRowId, claimedChanges);
 */
export async function pushNotes(
  ctx: PushContext,
  noteRowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const note = await readNote(ctx.db, noteRowId);
  if (!note || note.intercom_id) {
    const contactRowId = (note ?? changes[0]!.old_data)?.contact_id;
    if ((await intercomIdOf(ctx, 'intercom.contacts', contactRowId)) === undefined)
      return { calls: 0, superseded: true };
    throw new PushRejectedError("Intercom's API cannot edit or delete a note; change it in Intercom");
  }
  const contact = await intercomIdOf(ctx, 'intercom.contacts', note.contact_id);
  if (contact === undefined) return { calls: 0, superseded: true };
  if (contact === null)
    throw new DependencyNotPushedError(`contact row ${note.contact_id} is not in Intercom yet`);
  const adminId = note.author_id ?? ctx.push.adminId;
  if (!adminId)
    throw new PushRejectedError('a note needs an author: set author_id on the row or INTERCOM_ADMIN_ID');
  const created = await ctx.intercom.contacts.createNote(
    contact,
    { body: note.body, admin_id: adminId } as never,
    call,
  );
  const row = mapNote(created, { contactIntercomId: contact });
  // A sync may have read the new note before this answer was written back: same note, one row.
  await withSyncWrites(ctx.db, (trx) =>
    writePushedNote(trx, noteRowId, {
      intercom_id: row.intercom_id,
      author_id: row.author_id ?? adminId,
      created_at: row.created_at,
      raw: row.raw,
    }),
  );
  return { calls: 1, superseded: false };
}
