// Tags written in Postgres reach Intercom: contact and company tag links added and removed, a new
// tag by name, a rename; each end to end (SQL → push → sandbox), then a full sync brings nothing
// back (no echo) and verify finds both sides equal. A tag deleted in Intercom fails clearly.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { verifyMirror } from '../../src/sync/verify.js';
import {
  apiWrites,
  mirroredContact,
  openOutboxCount,
  outboxRows,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

let h: PushHarness;

beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => h?.close());

async function push() {
  await h.resetStats();
  const summary = await drainOutbox(h.ctx());
  return { summary, writes: apiWrites(await h.stats()) };
}

/** A full sync after the push: it must find the mirror as the push left it and capture nothing. */
async function expectNoEchoAndClean() {
  const outboxBefore = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
    h.rt.db,
  );
  const summary = await runFullSync(h.rt);
  expect(summary.status).toBe('succeeded');
  const outboxAfter = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
    h.rt.db,
  );
  expect(outboxAfter.rows[0]!.n).toBe(outboxBefore.rows[0]!.n);
  const report = await verifyMirror(h.rt);
  expect(report.differences).toEqual([]);
}

async function tagRow(name: string) {
  return h.rt.db.selectFrom('intercom.tags').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

async function remoteTags() {
  return (await h.control<{ tags: { id: string; name: string }[] }>('GET', '/state?entity=tags')).tags;
}

async function remoteCompanyTags(intercomId: string): Promise<string[]> {
  const { companies } = await h.control<{ companies: { id: string; tagIds: string[] }[] }>(
    'GET',
    '/state?entity=companies',
  );
  return companies.find((c) => c.id === intercomId)!.tagIds;
}

describe('tags written in Postgres', () => {
  it('a new tag by name, put on a contact in the same transaction, is created and then tagged', async () => {
    const contact = await mirroredContact(h.rt, 0);
    await h.rt.db.transaction().execute(async (trx) => {
      const tag = await trx
        .insertInto('intercom.tags')
        .values({ name: 'Renewal 2025' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('intercom.contact_tags')
        .values({ contact_id: contact.id, tag_id: tag.id })
        .execute();
    });

    const { summary, writes } = await push();

    expect(summary).toMatchObject({ failed: 0, retry: 0 });
    expect(writes).toEqual({ 'POST /tags': 1, 'POST /contacts/:id/tags': 1 });
    const tag = await tagRow('Renewal 2025');
    expect(tag.intercom_id).toMatch(/^\d+$/);
    expect((await remoteTags()).map((t) => t.name)).toContain('Renewal 2025');
    expect((await h.remoteContact(contact.intercom_id)).tagIds).toContain(tag.intercom_id);
    await expectNoEchoAndClean();
  });

  it('removing and adding tag links pushes one untag and one tag; a link added and removed again costs nothing', async () => {
    const contact = await mirroredContact(h.rt, 1);
    const tags = await h.rt.db
      .selectFrom('intercom.tags')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .orderBy('id')
      .execute();
    const remote = await h.remoteContact(contact.intercom_id);
    const has = tags.filter((t) => (remote.tagIds as string[]).includes(t.intercom_id!));
    const lacks = tags.filter((t) => !(remote.tagIds as string[]).includes(t.intercom_id!));
    // Make sure there is one to remove.
    if (has.length === 0) {
      await h.control('POST', `/contacts/${contact.intercom_id}/tags`, { id: lacks[0]!.intercom_id });
      await runFullSync(h.rt, { only: ['contacts'] });
      has.push(lacks.shift()!);
    }
    await h.rt.db
      .deleteFrom('intercom.contact_tags')
      .where('contact_id', '=', contact.id)
      .where('tag_id', '=', has[0]!.id)
      .execute();
    await h.rt.db
      .insertInto('intercom.contact_tags')
      .values({ contact_id: contact.id, tag_id: lacks[0]!.id })
      .execute();
    await h.rt.db
      .insertInto('intercom.contact_tags')
      .values({ contact_id: contact.id, tag_id: lacks[1]!.id })
      .execute();
    await h.rt.db
      .deleteFrom('intercom.contact_tags')
      .where('contact_id', '=', contact.id)
      .where('tag_id', '=', lacks[1]!.id)
      .execute();

    const { writes } = await push();

    expect(writes).toEqual({ 'DELETE /contacts/:id/tags/:tagId': 1, 'POST /contacts/:id/tags': 1 });
    const after = (await h.remoteContact(contact.intercom_id)).tagIds as string[];
    expect(after).not.toContain(has[0]!.intercom_id);
    expect(after).toContain(lacks[0]!.intercom_id);
    expect(after).not.toContain(lacks[1]!.intercom_id);
    expect((await outboxRows(h.rt, 'contact_tag', contact.id)).map((r) => r.state)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    await expectNoEchoAndClean();
  });

  it('tags and untags a company through POST /tags by name', async () => {
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const tag = await tagRow('Renewal 2025');
    await h.rt.db
      .insertInto('intercom.company_tags')
      .values({ company_id: company.id, tag_id: tag.id })
      .execute();
    expect((await push()).writes).toEqual({ 'POST /tags': 1 });
    expect(await remoteCompanyTags(company.intercom_id!)).toContain(tag.intercom_id);
    await expectNoEchoAndClean();

    await h.rt.db
      .deleteFrom('intercom.company_tags')
      .where('company_id', '=', company.id)
      .where('tag_id', '=', tag.id)
      .execute();
    expect((await push()).writes).toEqual({ 'POST /tags': 1 });
    expect(await remoteCompanyTags(company.intercom_id!)).not.toContain(tag.intercom_id);
    await expectNoEchoAndClean();
  });

  it('a new tag named like one Intercom has adopts it: one row, its links kept', async () => {
    const existing = await h.rt.db
      .selectFrom('intercom.tags')
      .selectAll()
      .where('intercom_id', 'is not', null)
      .where('name', '<>', '')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const linked = await sql<{
      n: number;
    }>`select count(*)::int as n from intercom.contact_tags where tag_id = ${existing.id}`.execute(h.rt.db);
    const added = await h.rt.db
      .insertInto('intercom.tags')
      .values({ name: existing.name })
      .returning('id')
      .executeTakeFirstOrThrow();

    expect((await push()).writes).toEqual({ 'POST /tags': 1 });

    const rows = await h.rt.db
      .selectFrom('intercom.tags')
      .select(['id', 'intercom_id'])
      .where('name', '=', existing.name)
      .execute();
    expect(rows).toEqual([{ id: added.id, intercom_id: existing.intercom_id }]);
    const relinked = await sql<{
      n: number;
    }>`select count(*)::int as n from intercom.contact_tags where tag_id = ${added.id}`.execute(h.rt.db);
    expect(relinked.rows[0]!.n).toBe(linked.rows[0]!.n);
    await expectNoEchoAndClean();
  });

  it('renaming a tag row renames the tag', async () => {
    const tag = await tagRow('Renewal 2025');
    await h.rt.db
      .updateTable('intercom.tags')
      .set({ name: 'Renewal 2026' })
      .where('id', '=', tag.id)
      .execute();
    expect((await push()).writes).toEqual({ 'POST /tags': 1 });
    expect((await remoteTags()).find((t) => t.id === tag.intercom_id)?.name).toBe('Renewal 2026');
    await expectNoEchoAndClean();
  });

  it('tagging with a tag deleted in Intercom fails once, naming the tag, instead of retrying', async () => {
    const contact = await mirroredContact(h.rt, 2);
    const tag = await h.rt.db
      .insertInto('intercom.tags')
      .values({ name: 'Short-lived' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await push();
    const { intercom_id: tagId } = await tagRow('Short-lived');
    // An agent deletes the tag in Intercom; the mirror does not know yet.
    await h.control('DELETE', `/tags/${tagId}`);
    await h.rt.db
      .insertInto('intercom.contact_tags')
      .values({ contact_id: contact.id, tag_id: tag.id })
      .execute();

    const { summary, writes } = await push();

    expect(summary).toMatchObject({ failed: 1, retry: 0 });
    expect(writes).toEqual({ 'POST /contacts/:id/tags': 1 });
    const [row] = await outboxRows(h.rt, 'contact_tag', contact.id).then((rows) => rows.slice(-1));
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row!.last_error).toMatch(/tag 'Short-lived' .* no longer exists in Intercom/);
    expect(await openOutboxCount(h.rt)).toBe(0);
  });
});
