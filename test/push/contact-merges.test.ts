// "Merge this lead into that user" asked from SQL (a row in intercom.contact_merges): pushed through
// the outbox as POST /contacts/merge, with the outcome in the row, and the mirror as Intercom then
// is: the lead gone, its notes, tags and companies on the user; no echo, verify clean.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { verifyMirror } from '../../src/sync/verify.js';
import { apiWrites, mirroredContact, startPushHarness, type PushHarness } from '../support/push-harness.js';

let h: PushHarness;
let adminId: string;

beforeAll(async () => {
  h = await startPushHarness();
  const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
  adminId = admins[0]!.id;
});
afterAll(async () => h?.close());

async function push() {
  await h.resetStats();
  const summary = await drainOutbox(h.ctx({ adminId }));
  return { summary, writes: apiWrites(await h.stats()) };
}

async function requestMerge(from: number, into: number) {
  return h.rt.db
    .insertInto('intercom.contact_merges')
    .values({ from_contact_id: from, into_contact_id: into })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function request(id: number | string) {
  return h.rt.db
    .selectFrom('intercom.contact_merges')
    .selectAll()
    .where('id', '=', Number(id))
    .executeTakeFirstOrThrow();
}

describe('merging contacts from SQL', () => {
  it('merges a lead into a user: the lead is gone and its note, tag and company are on the user', async () => {
    const lead = await mirroredContact(h.rt, 0, 'lead');
    const user = await mirroredContact(h.rt, 5, 'user');
    // Give the lead something of each kind to hand over, written in Postgres and pushed.
    const tag = await h.rt.db
      .insertInto('intercom.tags')
      .values({ name: 'From the lead' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select('id')
      .where('intercom_id', 'is not', null)
      .where('deleted_at', 'is', null)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    await h.rt.db
      .insertInto('intercom.contact_tags')
      .values({ contact_id: lead.id, tag_id: tag.id })
      .execute();
    await h.rt.db
      .insertInto('intercom.contact_companies')
      .values({ contact_id: lead.id, company_id: company.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const note = await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: lead.id, body: '<p>met at the fair</p>' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await push()).summary).toMatchObject({ failed: 0, retry: 0 });

    const { id } = await requestMerge(lead.id, user.id);
    const { summary, writes } = await push();

    expect(summary).toMatchObject({ pushed: 1, failed: 0 });
    expect(writes).toEqual({ 'POST /contacts/merge': 1 });
    expect((await h.remoteContact(lead.intercom_id)).state).toBe('merged');
    expect(await request(id)).toMatchObject({
      status: 'merged',
      error: null,
      from_intercom_id: lead.intercom_id,
      into_intercom_id: user.intercom_id,
    });
    const leadRow = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['deleted_at', 'merged_into_id'])
      .where('id', '=', lead.id)
      .executeTakeFirstOrThrow();
    expect(leadRow.deleted_at).not.toBeNull();
    expect(leadRow.merged_into_id).toBe(user.intercom_id);
    const onUser = await sql<{ notes: number; tags: number; companies: number }>`
      select (select count(*) from intercom.notes where id = ${note.id} and contact_id = ${user.id})::int as notes,
             (select count(*) from intercom.contact_tags where tag_id = ${tag.id} and contact_id = ${user.id})::int as tags,
             (select count(*) from intercom.contact_companies where company_id = ${company.id} and contact_id = ${user.id})::int as companies`.execute(
      h.rt.db,
    );
    expect(onUser.rows[0]).toEqual({ notes: 1, tags: 1, companies: 1 });

    // The next full pass brings the merge back and changes nothing; both sides agree.
    const before = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
      h.rt.db,
    );
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    const after = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
      h.rt.db,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });

  it('a user into a lead is refused before any call, and the request row says why', async () => {
    const lead = await mirroredContact(h.rt, 1, 'lead');
    const user = await mirroredContact(h.rt, 6, 'user');
    const { id } = await requestMerge(user.id, lead.id);

    const { summary, writes } = await push();

    expect(summary).toMatchObject({ failed: 1 });
    expect(writes).toEqual({});
    expect(await request(id)).toMatchObject({
      status: 'failed',
      error: `Intercom merges only a lead into a user; contact row ${user.id} is a user and row ${lead.id} a lead`,
    });
    expect((await h.remoteContact(lead.intercom_id)).state).toBe('active');
  });
});
