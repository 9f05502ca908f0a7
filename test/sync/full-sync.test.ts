// The nightly full sync against the sandbox over HTTP, with verify as the oracle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { markArchived, markDeleted } from '../../src/db/mark-deleted.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { verifyMirror } from '../../src/sync/verify.js';
import {
  mirrorRowVersions,
  rowsWritten,
  sandboxContacts,
  startSyncHarness,
  type SyncHarness,
} from '../support/sync-harness.js';

// Every test starts from a mirror equal to Intercom: the first pass runs here, and each test that
// changes either side ends with the full pass (and usually the verify) that brings them level.
let h: SyncHarness;
let first: Awaited<ReturnType<typeof runFullSync>>;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 600, companies: 80, seed: 21 } });
  first = await runFullSync(h.rt);
});
afterAll(() => h?.close());

/** A full pass that must succeed. */
async function synced(): Promise<void> {
  const summary = await runFullSync(h.rt);
  expect(summary.status, summary.error).toBe('succeeded');
}

async function linkedIds(kind: 'tags' | 'companies', contactId: string): Promise<string[]> {
  const result =
    kind === 'tags'
      ? await sql<{ id: string }>`
          select t.intercom_id as id from intercom.contact_tags l join intercom.contacts c on c.id = l.contact_id
          join intercom.tags t on t.id = l.tag_id where c.intercom_id = ${contactId}`.execute(h.rt.db)
      : await sql<{ id: string }>`
          select co.intercom_id as id from intercom.contact_companies l join intercom.contacts c on c.id = l.contact_id
          join intercom.companies co on co.id = l.company_id where c.intercom_id = ${contactId}`.execute(
          h.rt.db,
        );
  return result.rows.map((r) => r.id).sort();
}

async function contactRow(id: string) {
  return h.rt.db
    .selectFrom('intercom.contacts')
    .select(['deleted_at', 'archived', 'merged_into_id', 'email'])
    .where('intercom_id', '=', id)
    .executeTakeFirstOrThrow();
}

interface Stats {
  byRoute: Record<string, Record<string, number>>;
}
const calls = (stats: Stats, route: string) =>
  Object.values(stats.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);

describe('a full sync against the sandbox', () => {
  it('mirrors every record, link and note, so verify finds Postgres equal to Intercom', async () => {
    // The first pass, into the empty mirror.
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    expect(first.streams.find((s) => s.stream === 'contacts')).toMatchObject({ inserted: 600 });
    expect(first.streams.map((s) => s.stream).sort()).toEqual([
      'admins',
      'companies',
      'contacts',
      'data_attributes',
      'notes',
      'segments',
      'tags',
    ]);
    const report = await verifyMirror(h.rt);
    expect(report.differences).toEqual([]);
    expect(report.clean).toBe(true);
    // Every contact and company Intercom has now (600 and 80 when seeded; other tests add and remove).
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const { companies } = await h.control<{ companies: { deleted: boolean }[] }>(
      'GET',
      '/state?entity=companies',
    );
    expect(report.checked).toMatchObject({
      contacts: contacts.length,
      companies: companies.filter((c) => !c.deleted).length,
    });
    expect(contacts.length).toBeGreaterThan(590);
  });

  it('puts none of its own writes in the outbox (nothing would be pushed back to Intercom)', async () => {
    const [{ last }] = (
      await sql<{ last: number }>`select coalesce(max(id), 0)::int as last from intercom_sync.outbox`.execute(
        h.rt.db,
      )
    ).rows as [{ last: number }];
    // Changes in Intercom the pass will write: an insert, a contact update, a company update.
    const [one] = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    await h.control('PATCH', `/contacts/${one!.id}`, { name: 'Renamed In Intercom' });
    await h.control('POST', '/contacts', { role: 'user', email: 'new.in.intercom@example.org' });
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select('intercom_id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await h.control('PATCH', `/companies/${company.intercom_id}`, { industry: 'Changed In Intercom' });
    const before = await mirrorRowVersions(h.rt);
    await synced();
    expect(rowsWritten(before, await mirrorRowVersions(h.rt))).toMatchObject({
      contacts: expect.any(Number),
      companies: expect.any(Number),
    });
    const outbox = await h.rt.db
      .selectFrom('intercom_sync.outbox')
      .select(['entity', 'op'])
      .where('id', '>', last)
      .execute();
    expect(outbox).toEqual([]);
  });

  it('keeps every tag and company of a contact that has more than the 10 Intercom embeds', async () => {
    const contacts = await sandboxContacts(h);
    const manyTags = contacts.filter((c) => c.tagIds.length >= 12);
    const manyCompanies = contacts.filter((c) => c.companyIds.length >= 11);
    expect(manyTags.length).toBeGreaterThan(0);
    expect(manyCompanies.length).toBeGreaterThan(0);
    for (const c of manyTags) expect(await linkedIds('tags', c.id)).toEqual([...c.tagIds].sort());
    for (const c of manyCompanies)
      expect(await linkedIds('companies', c.id)).toEqual([...c.companyIds].sort());
  });

  it('writes nothing and reads no per-contact lists or notes when run again with nothing changed', async () => {
    const before = await mirrorRowVersions(h.rt);
    await h.control('POST', '/stats/reset');
    const summary = await runFullSync(h.rt);
    expect(summary.status).toBe('succeeded');
    expect(rowsWritten(before, await mirrorRowVersions(h.rt))).toEqual({});
    for (const s of summary.streams)
      expect({ stream: s.stream, inserted: s.inserted, updated: s.updated, deleted: s.deleted }).toEqual({
        stream: s.stream,
        inserted: 0,
        updated: 0,
        deleted: 0,
      });
    const stats = await h.control<Stats>('GET', '/stats');
    for (const route of [
      'GET /contacts/:id/notes',
      'GET /contacts/:id/tags',
      'GET /contacts/:id/companies',
      'GET /contacts/:id/segments',
    ]) {
      expect({ route, calls: calls(stats, route) }).toEqual({ route, calls: 0 });
    }
  });

  it('verify reports each kind of drift, and the next full sync repairs it', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const tagged = contacts.find((c) => c.tagIds.length > 0 && c.tagIds.length <= 10)!;
    const edited = contacts.find((c) => c.id !== tagged.id)!;
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select('intercom_id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`update intercom.contacts set email = 'drifted@example.org' where intercom_id = ${edited.id}`.execute(
      h.rt.db,
    );
    await sql`
      delete from intercom.contact_tags where contact_id = (select id from intercom.contacts where intercom_id = ${tagged.id})
        and tag_id = (select id from intercom.tags where intercom_id = ${tagged.tagIds[0]!})`.execute(
      h.rt.db,
    );
    await sql`update intercom.companies set deleted_at = now() where intercom_id = ${company.intercom_id}`.execute(
      h.rt.db,
    );
    await sql`insert into intercom.contacts (intercom_id, role) values ('ghost-contact', 'user')`.execute(
      h.rt.db,
    );
    // Drift, not local edits waiting to be pushed: a pending edit is kept by the sync (migration
    // 0005's hold), so the captured changes are dropped as a push would have settled them.
    await sql`delete from intercom_sync.outbox`.execute(h.rt.db);

    const report = await verifyMirror(h.rt);
    expect(report.clean).toBe(false);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          entity: 'contacts',
          intercom_id: edited.id,
          kind: 'stale',
          field: 'email',
          postgres: 'drifted@example.org',
        }),
        { entity: 'contact_tags', intercom_id: tagged.id, kind: 'missing', intercom: tagged.tagIds[0] },
        expect.objectContaining({ entity: 'companies', intercom_id: company.intercom_id, kind: 'missing' }),
        { entity: 'contacts', intercom_id: 'ghost-contact', kind: 'extra' },
      ]),
    );
    expect(report.counts).toMatchObject({ total: 4, missing: 2, extra: 1, stale: 1 });
    // Bounded listing, complete counting.
    const bounded = await verifyMirror(h.rt, { limit: 1 });
    expect(bounded.differences).toHaveLength(1);
    expect(bounded.counts.total).toBe(4);

    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    const after = await verifyMirror(h.rt);
    expect(after.differences).toEqual([]);
  });

  it('marks a contact deleted in Intercom, and a lead merged away, as deleted on the next complete pass', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const victim = contacts[5]!;
    await h.control('POST', `/contacts/${victim.id}/delete`);
    const all = await h.control<{ contacts: Array<{ id: string; role: string; state: string }> }>(
      'GET',
      '/state?entity=contacts',
    );
    const lead = all.contacts.find((c) => c.role === 'lead' && c.state === 'active' && c.id !== victim.id)!;
    const user = all.contacts.find((c) => c.role === 'user' && c.state === 'active' && c.id !== victim.id)!;
    await h.control('POST', '/contacts/merge', { from: lead.id, into: user.id });

    const summary = await runFullSync(h.rt);
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.find((s) => s.stream === 'contacts')!.deleted).toBe(2);
    expect((await contactRow(victim.id)).deleted_at).toBeInstanceOf(Date);
    // A pass cannot tell a merge from a delete (the lead just vanishes,
    // docs/intercom-api.md#archive-delete-merge); webhooks carry
    // the merge target. The row is at least gone from the live mirror.
    expect((await contactRow(lead.id)).deleted_at).toBeInstanceOf(Date);
    expect((await contactRow(user.id)).deleted_at).toBeNull();
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });

  it('brings back a contact the mirror had marked deleted, although Intercom sends the very payload it was stored from', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const wronglyDeleted = contacts[6]!;
    // As a sweep would (a sync write): the row's digest still matches what Intercom sends.
    await markDeleted(h.rt.db, 'contacts', [wronglyDeleted.id]);
    expect((await contactRow(wronglyDeleted.id)).deleted_at).toBeInstanceOf(Date);
    const summary = await runFullSync(h.rt);
    expect(summary.status).toBe('succeeded');
    expect((await contactRow(wronglyDeleted.id)).deleted_at).toBeNull();
    expect(summary.streams.find((s) => s.stream === 'contacts')!.updated).toBe(1);
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });

  it('keeps a contact the mirror knows is archived as archived, not deleted, and makes it live again once unarchived', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const archived = contacts[7]!;
    await h.control('POST', `/contacts/${archived.id}/archive`);
    // What the contact.archived webhook applies (the webhook path is tested with the worker).
    await markArchived(h.rt.db, [archived.id]);
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    let row = await contactRow(archived.id);
    expect({ archived: row.archived, deleted: row.deleted_at !== null }).toEqual({
      archived: true,
      deleted: false,
    });
    expect((await verifyMirror(h.rt)).differences).toEqual([]);

    await h.control('POST', `/contacts/${archived.id}/unarchive`);
    expect((await verifyMirror(h.rt)).differences).toContainEqual({
      entity: 'contacts',
      intercom_id: archived.id,
      kind: 'stale',
      field: 'archived',
      intercom: false,
      postgres: true,
    });
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    row = await contactRow(archived.id);
    expect({ archived: row.archived, deleted: row.deleted_at !== null }).toEqual({
      archived: false,
      deleted: false,
    });
  });

  it('takes a contact archived without a webhook out of the live mirror (a pass cannot tell archive from delete)', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const archived = contacts[8]!;
    await h.control('POST', `/contacts/${archived.id}/archive`);
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    expect((await contactRow(archived.id)).deleted_at).toBeInstanceOf(Date);
    expect((await verifyMirror(h.rt)).clean).toBe(true);
  });

  it('marks nothing deleted when the pass does not complete', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    const victim = contacts[9]!;
    await h.control('POST', `/contacts/${victim.id}/delete`);
    const deletedBefore = await sql<{
      n: number;
    }>`select count(*)::int as n from intercom.contacts where deleted_at is not null`.execute(h.rt.db);
    const abort = new AbortController();
    const summary = await runFullSync(h.rt, {
      onProgress: (p) => {
        if (p.stream === 'contacts' && p.done > 0) abort.abort(new Error('operator stopped the sync'));
      },
      signal: abort.signal,
    }).catch((error: unknown) => ({ status: 'threw', error }));
    expect(summary.status).not.toBe('succeeded');
    const deletedAfter = await sql<{
      n: number;
    }>`select count(*)::int as n from intercom.contacts where deleted_at is not null`.execute(h.rt.db);
    expect(deletedAfter.rows[0]!.n).toBe(deletedBefore.rows[0]!.n);
    expect((await contactRow(victim.id)).deleted_at).toBeNull();

    // The stopped run's companies scroll stays open (there is no cancel) until Intercom expires it,
    // a minute idle: let that minute pass on the sandbox clock. The next complete pass does mark it.
    const { clockOffsetSeconds } = await h.control<{ clockOffsetSeconds: number }>('GET', '/settings');
    await h.control('PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + 61 });
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    expect((await contactRow(victim.id)).deleted_at).toBeInstanceOf(Date);
  });
});
