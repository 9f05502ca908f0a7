// Pushes tags written in Postgres: a contact's tag links (tag/untag), a company's (through
// POST /tags by name), and tag rows themselves (create by name, rename, delete). Links name their
// tag and parent by Intercom id, so they wait until both exist there.
import { intercomIdOfRow } from '../../db/local-ids.js';
import type { OutboxRow } from '../../db/outbox.js';
import { readTag, writePushedTag, type TagRowRef } from '../../db/pushed-tags.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { PushRejectedError } from '../../mappers/push-input.js';
import { mapTag } from '../../mappers/tag.js';
import { IntercomApiError } from '../../intercom/errors.js';
import { DependencyNotPushedError, type PushContext } from './context.js';
import { ignoreNotFound, type PushResult } from './push-contact.js';

const call = { lane: 'outbound' as const };

type LinkOp = 'insert' | 'delete';

/**
 * The links whose state at the end of this batch differs from the start, by child row id: a tag
 * added and removed again within the batch costs no call.
 * @example linkChanges(changes, 'tag_id') // → Map { 12 => 'insert' }
 */
export function linkChanges(changes: readonly OutboxRow[], childColumn: string): Map<number, LinkOp> {
  const ops = new Map<number, { first: LinkOp; last: LinkOp }>();
  for (const change of changes) {
    if (change.op === 'update') continue;
    const data = (change.op === 'insert' ? change.new_data : change.old_data)!;
    const child = Number(data[childColumn]);
    ops.set(child, { first: ops.get(child)?.first ?? change.op, last: change.op });
  }
  return new Map([...ops].filter(([, o]) => o.first === o.last).map(([child, o]) => [child, o.last]));
}

/** A tag a link names: in Intercom already, or the link waits for the tag's own push. */
async function pushedTag(ctx: PushContext, tagRowId: number): Promise<TagRowRef & { intercom_id: string }> {
  const tag = await readTag(ctx.db, tagRowId);
  if (!tag) throw new DependencyNotPushedError(`tag row ${tagRowId} is gone`);
  if (!tag.intercom_id)
    throw new DependencyNotPushedError(`tag '${tag.name}' (row ${tagRowId}) is not in Intercom yet`);
  return tag as TagRowRef & { intercom_id: string };
}

/**
 * Tag/untag calls for one contact, one per tag whose link changed.
 * @example await pushContactTags(ctx, contactRowId, claimedChanges);
 */
export async function pushContactTags(
  ctx: PushContext,
  contactRowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const contact = await intercomIdOfRow(ctx.db, 'intercom.contacts', contactRowId);
  if (contact === undefined) return { calls: 0, superseded: true }; // the contact's delete covers it
  if (contact === null)
    throw new DependencyNotPushedError(`contact row ${contactRowId} is not in Intercom yet`);
  let calls = 0;
  for (const [tagRowId, op] of linkChanges(changes, 'tag_id')) {
    // A tag row deleted locally is deleted in Intercom, which untags everyone: nothing left to do.
    const row = await readTag(ctx.db, tagRowId);
    if (!row || (op === 'delete' && !row.intercom_id)) continue; // never reached Intercom: nothing to untag
    const tag = await pushedTag(ctx, tagRowId);
    if (op === 'insert') {
      await ctx.intercom.contacts.tag(contact, tag.intercom_id, call).catch((error: unknown) => {
        throw tagGone(error, tag, `contact_tags (${contactRowId}, ${tagRowId})`);
      });
    } else {
      await ctx.intercom.contacts.untag(contact, tag.intercom_id, call).catch(ignoreNotFound);
    }
    calls++;
  }
  return { calls, superseded: calls === 0 };
}

/**
 * Tags and untags one company: `POST /tags` with the tag's name and the company. That call
 * creates a tag of that name if Intercom has none (it was deleted there): the local tag row then
 * takes the new tag's id.
 * @example await pushCompanyTags(ctx, companyRowId, claimedChanges);
 */
export async function pushCompanyTags(
  ctx: PushContext,
  companyRowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const company = await intercomIdOfRow(ctx.db, 'intercom.companies', companyRowId);
  if (company === undefined) return { calls: 0, superseded: true };
  if (company === null)
    throw new DependencyNotPushedError(`company row ${companyRowId} is not in Intercom yet`);
  let calls = 0;
  for (const [tagRowId, op] of linkChanges(changes, 'tag_id')) {
    const row = await readTag(ctx.db, tagRowId);
    if (!row || (op === 'delete' && !row.intercom_id)) continue; // never reached Intercom: nothing to untag
    const tag = await pushedTag(ctx, tagRowId);
    const answer = await ctx.intercom.tags.tagCompanies(tag.name, [company], {
      ...call,
      untag: op === 'delete',
    });
    calls++;
    if (answer.id && String(answer.id) !== tag.intercom_id) {
      ctx.log.warn(
        { tag: tag.name, was: tag.intercom_id, now: answer.id },
        'Intercom had no tag of this name any more; it was created again',
      );
      const created = mapTag(answer);
      await withSyncWrites(ctx.db, (trx) => writePushedTag(trx, tagRowId, created));
    }
  }
  return { calls, superseded: calls === 0 };
}

/**
 * A tag row: inserted → created by name (an existing tag of that name is adopted), name changed →
 * renamed, deleted → deleted in Intercom (a tag a segment uses cannot be: that fails with Intercom's reason).
 * @example await pushTag(ctx, tagRowId, claimedChanges);
 */
export async function pushTag(
  ctx: PushContext,
  tagRowId: number,
  changes: readonly OutboxRow[],
): Promise<PushResult> {
  const tag = await readTag(ctx.db, tagRowId);
  if (!tag) {
    const intercomId = changes.map((c) => c.old_data?.intercom_id).find((id) => typeof id === 'string') as
      string | undefined;
    if (!intercomId) return { calls: 0, superseded: true };
    await ctx.intercom.tags.delete(intercomId, call).catch(ignoreNotFound);
    return { calls: 1, superseded: false };
  }
  if (tag.name.trim() === '')
    throw new PushRejectedError('a tag needs a name; Intercom creates tags by name');
  const renamed = changes.some((c) => c.op === 'update' && c.changed_columns.includes('name'));
  if (tag.intercom_id && !renamed) return { calls: 0, superseded: true };
  const answer = tag.intercom_id
    ? await ctx.intercom.tags.rename(tag.intercom_id, tag.name, call).catch((error: unknown) => {
        throw tagGone(error, tag, `tags row ${tagRowId}`);
      })
    : await ctx.intercom.tags.create(tag.name, call);
  const row = mapTag(answer);
  await withSyncWrites(ctx.db, (trx) => writePushedTag(trx, tagRowId, row));
  return { calls: 1, superseded: false };
}

/** A 404 for a tag the mirror still has: it was deleted in Intercom, and retrying cannot help. */
function tagGone(error: unknown, tag: TagRowRef, where: string): unknown {
  if (!(error instanceof IntercomApiError) || error.status !== 404) return error;
  if (/user not found/i.test(error.message)) {
    return new PushRejectedError(
      `the contact of ${where} is no longer in Intercom (archived, deleted or merged)`,
    );
  }
  return new PushRejectedError(
    `tag '${tag.name}' (Intercom id ${tag.intercom_id}) no longer exists in Intercom, but ${where} points at it; ` +
      'delete that row (or create the tag again under a new row) and retry',
  );
}
