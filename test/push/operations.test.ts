// Each push operation end to end: a row written in Postgres, `intercom-sync push` (drainOutbox),
// and the change seen in the sandbox over HTTP, with Intercom's answer written back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { drainOutbox } from '../../src/sync/push/drain.js';
import {
  apiWrites,
  mirroredContact,
  outboxRows,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

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

describe('pushing local changes to Intercom', () => {
  it('an update sends only the changed fields, custom attributes per key, in one call', async () => {
    const contact = await mirroredContact(h.rt, 0);
    const before = await h.remoteContact(contact.intercom_id);
    await sql`update intercom.contacts set name = 'Ada Lovelace',
      custom_attributes = custom_attributes || '{"plan_tier": "gold", "seats": 12}'::jsonb
      where id = ${contact.id}`.execute(h.rt.db);

    const { summary, writes } = await push();

    expect(summary).toMatchObject({ pushed: 1, failed: 0, retry: 0 });
    expect(writes).toEqual({ 'PUT /contacts/:id': 1 });
    const after = await h.remoteContact(contact.intercom_id);
    expect(after.name).toBe('Ada Lovelace');
    expect(after.custom_attributes).toEqual({ ...before.custom_attributes, plan_tier: 'gold', seats: 12 });
    expect(after.email).toBe(before.email);
    const states = (await outboxRows(h.rt, 'contact', contact.id)).map((r) => r.state);
    expect(states).toEqual(['done']);
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['updated_at', 'name'])
      .where('id', '=', contact.id)
      .executeTakeFirstOrThrow();
    expect(row.updated_at!.getTime() / 1000).toBe(after.updated_at);
  });

  it('a row inserted locally creates the contact and gets its intercom_id back', async () => {
    const { id } = await h.rt.db
      .insertInto('intercom.contacts')
      .values({ role: 'user', email: 'grace@example.com', external_id: 'ext-grace', name: 'Grace Hopper' })
      .returning('id')
      .executeTakeFirstOrThrow();

    const { writes } = await push();

    expect(writes).toEqual({ 'POST /contacts': 1 });
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['intercom_id', 'created_at', 'raw'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.intercom_id).toMatch(/\w+/);
    expect(row.created_at).not.toBeNull();
    const remote = await h.remoteContact(row.intercom_id!);
    expect(remote).toMatchObject({
      email: 'grace@example.com',
      external_id: 'ext-grace',
      name: 'Grace Hopper',
      state: 'active',
    });
    expect((await outboxRows(h.rt, 'contact', Number(id))).map((r) => r.state)).toEqual(['done']);
  });

  it('archived = true archives the contact; archived = false with an edit unarchives it, then updates', async () => {
    const contact = await mirroredContact(h.rt, 1);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ archived: true })
      .where('id', '=', contact.id)
      .execute();
    expect((await push()).writes).toEqual({ 'POST /contacts/:id/archive': 1 });
    expect((await h.remoteContact(contact.intercom_id)).state).toBe('archived');

    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ archived: false, name: 'Back Again' })
      .where('id', '=', contact.id)
      .execute();
    const { summary, writes } = await push();
    expect(summary).toMatchObject({ pushed: 1, failed: 0 });
    expect(writes).toEqual({ 'POST /contacts/:id/unarchive': 1, 'PUT /contacts/:id': 1 });
    const remote = await h.remoteContact(contact.intercom_id);
    expect(remote).toMatchObject({ state: 'active', name: 'Back Again' });
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['archived', 'name'])
      .where('id', '=', contact.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ archived: false, name: 'Back Again' });
  });

  it('a row deleted locally deletes the contact in Intercom', async () => {
    const contact = await mirroredContact(h.rt, 2);
    await h.rt.db.deleteFrom('intercom.contacts').where('id', '=', contact.id).execute();
    expect((await push()).writes).toEqual({ 'DELETE /contacts/:id': 1 });
    expect((await h.remoteContact(contact.intercom_id)).state).toBe('deleted');
    const snapshots = await h.rt.db
      .selectFrom('intercom_sync.snapshots')
      .selectAll()
      .where('entity', '=', 'contact')
      .where('row_id', '=', contact.id)
      .execute();
    expect(snapshots).toEqual([]);
  });

  it('companies are created and updated by company_id', async () => {
    const { id } = await h.rt.db
      .insertInto('intercom.companies')
      .values({ company_id: 'acme-42', name: 'Acme', plan: 'pro', size: 40 })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await push()).writes).toEqual({ 'POST /companies': 1 });
    const created = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['intercom_id', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(created.intercom_id).toBeTruthy();
    expect(await h.remoteCompany('acme-42')).toMatchObject({
      id: created.intercom_id,
      name: 'Acme',
      size: 40,
    });

    await sql`update intercom.companies set name = 'Acme Corp',
      custom_attributes = custom_attributes || '{"tier": "enterprise"}'::jsonb where id = ${id}`.execute(
      h.rt.db,
    );
    expect((await push()).writes).toEqual({ 'POST /companies': 1 });
    const remote = await h.remoteCompany('acme-42');
    expect(remote).toMatchObject({ id: created.intercom_id, name: 'Acme Corp', size: 40 });
    expect(remote!.custom_attributes).toMatchObject({ tier: 'enterprise' });
  });

  it('contact_companies rows attach and detach companies', async () => {
    const contact = await mirroredContact(h.rt, 3);
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('intercom.contact_companies')
              .select('contact_id')
              .where('contact_id', '=', contact.id)
              .whereRef('company_id', '=', 'intercom.companies.id'),
          ),
        ),
      )
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await h.rt.db
      .insertInto('intercom.contact_companies')
      .values({ contact_id: contact.id, company_id: company.id })
      .execute();
    expect((await push()).writes).toEqual({ 'POST /contacts/:id/companies': 1 });
    expect((await h.remoteContact(contact.intercom_id)).companyIds).toContain(company.intercom_id);

    await h.rt.db
      .deleteFrom('intercom.contact_companies')
      .where('contact_id', '=', contact.id)
      .where('company_id', '=', company.id)
      .execute();
    expect((await push()).writes).toEqual({ 'DELETE /contacts/:id/companies/:companyId': 1 });
    expect((await h.remoteContact(contact.intercom_id)).companyIds).not.toContain(company.intercom_id);
  });

  it('a contact created locally with a company attached goes first, then the attachment', async () => {
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const { id } = await h.rt.db
      .insertInto('intercom.contacts')
      .values({ role: 'user', email: 'linus@example.com', external_id: 'ext-linus' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.rt.db
      .insertInto('intercom.contact_companies')
      .values({ contact_id: id, company_id: company.id })
      .execute();

    const { summary, writes } = await push();

    expect(summary).toMatchObject({ failed: 0, retry: 0 });
    expect(writes).toEqual({ 'POST /contacts': 1, 'POST /contacts/:id/companies': 1 });
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect((await h.remoteContact(row.intercom_id!)).companyIds).toEqual([company.intercom_id]);
  });

  it('a note written locally is created with INTERCOM_ADMIN_ID as its author', async () => {
    const contact = await mirroredContact(h.rt, 4);
    const { id } = await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: contact.id, body: '<p>Called about the renewal</p>' })
      .returning('id')
      .executeTakeFirstOrThrow();

    expect((await push()).writes).toEqual({ 'POST /contacts/:id/notes': 1 });
    const row = await h.rt.db
      .selectFrom('intercom.notes')
      .select(['intercom_id', 'author_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.author_id).toBe(adminId);
    const { notes } = await h.control<{
      notes: { id: string; adminId: string; body: string; contactId: string }[];
    }>('GET', '/state?entity=notes');
    expect(notes.find((n) => n.id === row.intercom_id)).toMatchObject({
      adminId,
      contactId: contact.intercom_id,
      body: '<p>Called about the renewal</p>',
    });
  });
});
