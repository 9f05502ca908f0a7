// Pushes a contact's company attachments (contact_companies) and new notes. Both name records by
// their Intercom ids, so they wait until the contact (and company) exist there.
import {
  lastCreateAttempt,
  recordCreated,
  startCreateAttempt,
  type CreateAttempt,
} from '../../db/creates.js';
import { intercomIdOfRow } from '../../db/local-ids.js';
import type { Note } from '../../intercom/types.js';
import { blockedRecord, type OutboxEntity, type OutboxRow } from '../../db/outbox.js';
import { readNote, writePushedNote } from '../../db/pushed-rows.js';
import { withPushWrites } from '../../db/sync-writes.js';
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
 * A dependent of a record not in Intercom yet: waits while that record has a change on its way,
 * and fails with that record's reason once it failed for good (retried along with it).
 */
async function waitFor(ctx: PushContext, entity: OutboxEntity, rowId: number): Promise<never> {
  const blocked = await blockedRecord(ctx.db, entity, rowId);
  if (blocked !== undefined)
    throw new PushRejectedError(
      `${entity} row ${rowId} cannot reach Intercom (${blocked}); retry it first, then this change`,
    );
  throw new DependencyNotPushedError(`${entity} row ${rowId} is not in Intercom yet`);
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
  if (contact === null) return waitFor(ctx, 'contact', contactRowId);
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
      if (company === undefined) continue; // the company's delete took the link with it
      if (company === null) return waitFor(ctx, 'company', companyRowId);
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
  if (contact === null) return waitFor(ctx, 'contact', note.contact_id);
  const adminId = note.author_id ?? ctx.push.adminId;
  if (!adminId)
    throw new PushRejectedError('a note needs an author: set author_id on the row or INTERCOM_ADMIN_ID');
  // A retry after a lost answer or a failed write-back finds the note made before, never a second.
  const prior = await lastCreateAttempt(ctx.db, 'note', noteRowId);
  let created = prior && (await earlierNote(ctx, contact, note.body, prior));
  if (!created) {
    const attempt = await startCreateAttempt(ctx.db, 'note', noteRowId);
    created = await ctx.intercom.contacts.createNote(
      contact,
      { body: note.body, admin_id: adminId } as never,
      call,
    );
    if (created.id) await recordCreated(ctx.db, attempt, String(created.id));
  }
  const row = mapNote(created, { contactIntercomId: contact });
  // A sync may have read the new note before this answer was written back: same note, one row.
  await withPushWrites(ctx.db, (trx) =>
    writePushedNote(trx, noteRowId, {
      intercom_id: row.intercom_id,
      author_id: row.author_id ?? adminId,
      created_at: row.created_at,
      raw: row.raw,
    }),
  );
  return { calls: 1, superseded: false };
}

/** How far Intercom's clock may be behind ours when telling a note this push made from older ones. */
const CLOCK_SKEW_MS = 60_000;

/**
 * The note an earlier create of this row made: the one its answer named, or (answer lost) one on
 * the contact with the same body created since that create was sent.
 */
async function earlierNote(
  ctx: PushContext,
  contact: string,
  body: string,
  prior: CreateAttempt,
): Promise<Note | undefined> {
  const since = Math.floor((prior.attempted_at.getTime() - CLOCK_SKEW_MS) / 1000);
  for await (const page of ctx.intercom.contacts.notes(contact, call)) {
    const found = page.items.find((n) =>
      prior.intercom_id !== null
        ? String(n.id) === prior.intercom_id
        : sameBody(n.body, body) && typeof n.created_at === 'number' && n.created_at >= since,
    );
    if (found) {
      if (prior.intercom_id === null) await recordCreated(ctx.db, prior.id, String(found.id));
      return found;
    }
  }
  return undefined;
}

/** A note's body as sent, or as Intercom may return it wrapped in one paragraph. */
function sameBody(stored: unknown, sent: string): boolean {
  if (typeof stored !== 'string') return false;
  const bare = (text: string) => text.trim().replace(/^<p>([\s\S]*)<\/p>$/i, '$1');
  return stored === sent || bare(stored) === bare(sent);
}
