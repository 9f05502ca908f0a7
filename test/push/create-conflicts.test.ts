// A local create that Intercom answers with "a contact matching those details already exists":
// adopted (unarchived first if need be) and pushed as an update, or parked for an operator when
// another local row already mirrors that contact — never a duplicate. Rows Intercom would refuse
// fail with the reason before any call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { listConflicts } from '../../src/db/conflicts.js';
import { saveContacts } from '../../src/sync/contact-pages.js';
import {
  apiWrites,
  mirroredContact,
  outboxRows,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

async function sandboxContactCount(h: PushHarness): Promise<number> {
  const { contacts } = await h.control<{ contacts: unknown[] }>('GET', '/state?entity=contacts');
  return contacts.length;
}

async function insertUser(
  h: PushHarness,
  values: { email?: string; external_id?: string; name?: string; role?: string },
) {
  const { id } = await h.rt.db
    .insertInto('intercom.contacts')
    .values({ role: 'user', ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

async function pushAll(h: PushHarness) {
  await h.resetStats();
  const summary = await drainOutbox(h.ctx());
  return { summary, writes: apiWrites(await h.stats()) };
}

async function intercomIdOf(h: PushHarness, rowId: number) {
  const row = await h.rt.db
    .selectFrom('intercom.contacts')
    .select('intercom_id')
    .where('id', '=', rowId)
    .executeTakeFirstOrThrow();
  return row.intercom_id;
}

for (const mode of ['live 409', 'spec-literal 400'] as const) {
  describe(`a create conflict (${mode})`, () => {
    let h: PushHarness;
    beforeAll(async () => {
      h = await startPushHarness({
        sandbox: { specLiteral: mode === 'spec-literal 400', contacts: 12, companies: 3 },
      });
    });
    afterAll(async () => h?.close());

    it('adopts the existing contact and pushes the row as an update, creating no duplicate', async () => {
      // Created in Intercom after the mirror was filled, so no local row names it yet.
      const existing = await h.control<{ id: string }>('POST', '/contacts', {
        role: 'user',
        email: 'kay@example.com',
        external_id: 'ext-kay',
        name: 'Kay (Intercom)',
      });
      const count = await sandboxContactCount(h);
      const rowId = await insertUser(h, {
        email: 'kay@example.com',
        external_id: 'ext-kay',
        name: 'Kay Local',
      });

      const { summary, writes } = await pushAll(h);

      expect(summary).toMatchObject({ pushed: 1, failed: 0 });
      expect(writes).toEqual({ 'POST /contacts': 1, 'PUT /contacts/:id': 1 });
      expect(await intercomIdOf(h, rowId)).toBe(existing.id);
      expect(await sandboxContactCount(h)).toBe(count);
      expect((await h.remoteContact(existing.id)).name).toBe('Kay Local');
      const conflicts = await listConflicts(h.rt.db);
      expect(conflicts.find((c) => c.row_id === rowId)).toMatchObject({
        kind: 'api_conflict',
        status: 'settled',
        intercom_id: existing.id,
      });
    });

    it('unarchives an archived match first, then updates it', async () => {
      const existing = await h.control<{ id: string }>('POST', '/contacts', {
        role: 'user',
        email: 'ada@example.com',
        external_id: 'ext-ada',
      });
      await h.control('POST', `/contacts/${existing.id}/archive`);
      const count = await sandboxContactCount(h);
      const rowId = await insertUser(h, {
        email: 'ada@example.com',
        external_id: 'ext-ada',
        name: 'Ada Back',
      });

      const { summary, writes } = await pushAll(h);

      expect(summary).toMatchObject({ pushed: 1, failed: 0 });
      expect(writes).toEqual({
        'POST /contacts': 1,
        'POST /contacts/:id/unarchive': 1,
        'PUT /contacts/:id': 1,
      });
      expect(await intercomIdOf(h, rowId)).toBe(existing.id);
      expect(await sandboxContactCount(h)).toBe(count);
      expect(await h.remoteContact(existing.id)).toMatchObject({ state: 'active', name: 'Ada Back' });
    });

    it('adopts into the local row when the other row is only the mirror of this very create (its answer was lost)', async () => {
      const rowId = await insertUser(h, { email: 'lost-answer@example.com', name: 'Lost Answer' });
      // Intercom stored the create, but the answer never arrived (a 5xx after the write, a cut
      // body); meanwhile its webhook mirrored the new contact as a row of its own.
      const stored = await h.control<{ id: string }>('POST', '/contacts', {
        role: 'user',
        email: 'lost-answer@example.com',
        name: 'Lost Answer',
      });
      await saveContacts(h.rt, [await h.rt.intercom.contacts.get(stored.id)]);
      const count = await sandboxContactCount(h);

      const { summary, writes } = await pushAll(h);

      expect(summary).toMatchObject({ pushed: 1, failed: 0 });
      expect(writes).toEqual({ 'POST /contacts': 1, 'PUT /contacts/:id': 1 });
      expect(await intercomIdOf(h, rowId)).toBe(stored.id);
      const rows = await h.rt.db.selectFrom('intercom.contacts').select('id').where('intercom_id', '=', stored.id).execute();
      expect(rows.map((r) => Number(r.id))).toEqual([rowId]);
      expect(await sandboxContactCount(h)).toBe(count);
      const open = await listConflicts(h.rt.db, { openOnly: true });
      expect(open.filter((c) => c.row_id === rowId)).toEqual([]);
    });

    it('parks the change as an open conflict when another local row already mirrors the match', async () => {
      const mirrored = await mirroredContact(h.rt, 0);
      expect(mirrored.external_id ?? mirrored.email).toBeTruthy();
      const count = await sandboxContactCount(h);
      const rowId = await insertUser(h, {
        ...(mirrored.external_id ? { external_id: mirrored.external_id } : { email: mirrored.email! }),
        name: 'A second copy',
      });

      const { summary, writes } = await pushAll(h);

      expect(summary).toMatchObject({ pushed: 0, failed: 1 });
      expect(writes).toEqual({ 'POST /contacts': 1 });
      expect(await intercomIdOf(h, rowId)).toBeNull();
      expect(await sandboxContactCount(h)).toBe(count);
      const [change] = await outboxRows(h.rt, 'contact', rowId);
      expect(change).toMatchObject({ state: 'failed' });
      expect(change!.last_error).toContain(`local row ${mirrored.id}`);
      const open = await listConflicts(h.rt.db, { openOnly: true });
      expect(open.find((c) => c.row_id === rowId)).toMatchObject({
        kind: 'api_conflict',
        intercom_id: mirrored.intercom_id,
      });
    });
  });
}

describe('rows Intercom would refuse', () => {
  let h: PushHarness;
  beforeAll(async () => {
    h = await startPushHarness({ sandbox: { contacts: 12, companies: 3 } });
  });
  afterAll(async () => h?.close());

  it('a user with neither email nor external_id fails with the reason and no API call', async () => {
    const rowId = await insertUser(h, { name: 'Nobody' });
    const { summary } = await pushAll(h);
    expect(summary).toMatchObject({ failed: 1, pushed: 0 });
    expect((await h.stats()).requests).toBe(0);
    const [change] = await outboxRows(h.rt, 'contact', rowId);
    expect(change).toMatchObject({ state: 'failed' });
    expect(change!.last_error).toMatch(/email or an external_id/);
  });

  it('turning a user into a lead fails with the reason and no API call', async () => {
    const user = await mirroredContact(h.rt, 1);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ role: 'lead', name: 'Demoted' })
      .where('id', '=', user.id)
      .execute();
    const { summary } = await pushAll(h);
    expect(summary).toMatchObject({ failed: 1, pushed: 0 });
    expect((await h.stats()).requests).toBe(0);
    const changes = await outboxRows(h.rt, 'contact', user.id);
    expect(changes.at(-1)).toMatchObject({ state: 'failed' });
    expect(changes.at(-1)!.last_error).toMatch(/cannot be turned into a lead/);
    expect((await h.remoteContact(user.intercom_id)).role).toBe('user');
  });

  it('removing the last identifier of a user fails before any call', async () => {
    const user = await mirroredContact(h.rt, 2);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ email: null, external_id: null })
      .where('id', '=', user.id)
      .execute();
    const { summary } = await pushAll(h);
    expect(summary).toMatchObject({ failed: 1 });
    expect((await h.stats()).requests).toBe(0);
  });
});
