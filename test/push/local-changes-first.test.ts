// Local changes come first (issue 12): one Intercom record per local create, also when the create's
// own webhook mirrors it before the answer is written back or the write-back is cut off; an inbound
// write never replaces a value a local change still waits to push; an older edit never lands after
// a newer one; a partly refused change still sends its valid fields; dependents of a record that
// failed for good fail with its reason. The races are made deterministic with row locks, not timing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { claimRecord, releaseStuckChanges } from '../../src/db/outbox.js';
import { startCreateAttempt } from '../../src/db/creates.js';
import { saveContacts } from '../../src/sync/contact-pages.js';
import { identifyingFields } from '../../src/sync/push/push-contact.js';
import { verifyMirror } from '../../src/sync/verify.js';
import { companyCatalog } from '../../src/mappers/catalog/company.js';
import { contactCatalog } from '../../src/mappers/catalog/contact.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { pushRecord } from '../../src/sync/push/push-record.js';
import {
  apiWrites,
  eventually,
  mirroredContact,
  outboxRows,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

/** A second session holding row `id` of a mirror table locked until `release()`. */
async function lockRow(url: string, id: number, table = 'intercom.contacts') {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query(`select 1 from ${table} where id = $1 for update`, [id]);
  return {
    pid: (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid,
    async release() {
      await client.query('rollback');
      await client.end();
    },
  };
}

/** The backend that waits on a lock to update a mirror table (the push's write-back). */
async function waitingWriteBack(h: PushHarness, table = 'contacts'): Promise<number | undefined> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'
      and query ilike ${`update "intercom"."${table}"%`}`.execute(h.rt.db);
  return rows[0]?.pid;
}

async function remoteByName(h: PushHarness, name: string) {
  const { contacts } = await h.control<{ contacts: { id: string; name: string | null; state: string }[] }>(
    'GET',
    '/state?entity=contacts',
  );
  return contacts.filter((c) => c.name === name);
}

async function insertContact(h: PushHarness, values: Record<string, unknown>): Promise<number> {
  const { id } = await h.rt.db
    .insertInto('intercom.contacts')
    .values(values as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

async function rowOf(h: PushHarness, id: number) {
  return h.rt.db.selectFrom('intercom.contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('local changes first', () => {
  let h: PushHarness;
  beforeAll(async () => {
    h = await startPushHarness({ sandbox: { contacts: 12, companies: 2 } });
  });
  afterAll(async () => h?.close());
  const ctx = () => h.ctx({ retryMinDelayMs: 1, dependencyWaitMs: 1 });

  it('a lead whose own webhook mirrors it before the write-back is created once, and its row keeps the id', async () => {
    const rowId = await insertContact(h, { role: 'lead', name: 'Racing Lead' });
    const lock = await lockRow(h.env.DATABASE_URL!, rowId);
    const push = pushRecord(ctx(), 'contact', rowId).catch((error: unknown) => error);
    // The create is answered; its write-back waits on the row lock, having already looked for a
    // mirrored copy of the new contact and found none.
    await eventually(() => waitingWriteBack(h), 'the write-back to wait on the row');
    const [created] = await remoteByName(h, 'Racing Lead');
    // The contact.created webhook applies now: the new contact becomes a row of its own.
    await saveContacts(h.rt, [await h.rt.intercom.contacts.get(created!.id)]);
    await lock.release();
    await push;
    await drainOutbox(ctx());
    await drainOutbox(ctx());

    expect(await remoteByName(h, 'Racing Lead')).toHaveLength(1);
    expect((await rowOf(h, rowId)).intercom_id).toBe(created!.id);
    const rows = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('id')
      .where('intercom_id', '=', created!.id)
      .execute();
    expect(rows.map((r) => Number(r.id))).toEqual([rowId]);
    expect((await outboxRows(h.rt, 'contact', rowId)).map((c) => c.state)).toEqual(['done']);
  });

  it('a create whose write-back is cut off is not sent again: the retry updates the contact it made', async () => {
    const rowId = await insertContact(h, { role: 'lead', name: 'Cut Off Lead', phone: '+100200' });
    await h.resetStats();
    const lock = await lockRow(h.env.DATABASE_URL!, rowId);
    const push = pushRecord(ctx(), 'contact', rowId).catch((error: unknown) => error);
    const writer = await eventually(() => waitingWriteBack(h), 'the write-back to wait on the row');
    // The pusher dies between the answer and the write-back (its connection is killed).
    await sql`select pg_terminate_backend(${writer})`.execute(h.rt.db);
    await lock.release();
    expect(await push).toBeInstanceOf(Error);
    expect((await rowOf(h, rowId)).intercom_id).toBeNull();

    await eventually(async () => (await drainOutbox(ctx())).pushed === 1, 'the retry');

    const created = await remoteByName(h, 'Cut Off Lead');
    expect(created).toHaveLength(1);
    expect((await rowOf(h, rowId)).intercom_id).toBe(created[0]!.id);
    expect(apiWrites(await h.stats())).toEqual({ 'POST /contacts': 1, 'PUT /contacts/:id': 1 });
  });

  for (const found of ['by a search', 'as mirrored by its webhook'] as const) {
    for (const edited of [false, true]) {
      const when = edited ? ', also after a local edit of its name,' : '';
      it(`a lead whose create answer was lost is found ${found}${when} on the retry, not created again`, async () => {
        const name = `Lost Lead ${found}${edited ? ' edited' : ''}`;
        const email = `${found.length}${edited ? 'e' : ''}@lost.example.com`;
        const rowId = await insertContact(h, { role: 'lead', name, email });
        // The create was sent and stored, but its answer never came back (recorded as an attempt only).
        await startCreateAttempt(h.rt.db, 'contact', rowId, identifyingFields({ role: 'lead', name, email }));
        const stored = await h.control<{ id: string }>('POST', '/contacts', { role: 'lead', name, email });
        if (found === 'as mirrored by its webhook')
          await saveContacts(h.rt, [await h.rt.intercom.contacts.get(stored.id)]);
        // The row is edited before the retry: the contact is still the one that create made.
        if (edited)
          await h.rt.db
            .updateTable('intercom.contacts')
            .set({ name: `${name} renamed` })
            .where('id', '=', rowId)
            .execute();
        await h.resetStats();

        await drainOutbox(ctx());

        const { contacts } = await h.control<{
          contacts: { id: string; name: string | null; email: string | null }[];
        }>('GET', '/state?entity=contacts');
        const remote = contacts.filter((c) => c.email === email);
        expect(remote.map((c) => [c.id, c.name])).toEqual([[stored.id, edited ? `${name} renamed` : name]]);
        expect((await rowOf(h, rowId)).intercom_id).toBe(stored.id);
        expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': 1 });
        const rows = await h.rt.db
          .selectFrom('intercom.contacts')
          .select('id')
          .where('intercom_id', '=', stored.id)
          .execute();
        expect(rows.map((r) => Number(r.id))).toEqual([rowId]);
      });
    }
  }

  it('a lead whose create answer was lost and that was renamed before the retry is found by its email, not created again', async () => {
    // The create went out (a daemon killed, or Postgres restarting, before its answer was
    // recorded); the app renamed the row before the retry, so the contact that create made
    // carries the old name.
    const email = 'renamed@lost.example.com';
    const rowId = await insertContact(h, { role: 'lead', name: 'Before Rename', email });
    await startCreateAttempt(h.rt.db, 'contact', rowId);
    const stored = await h.control<{ id: string }>('POST', '/contacts', {
      role: 'lead',
      name: 'Before Rename',
      email,
    });
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ name: 'After Rename' })
      .where('id', '=', rowId)
      .execute();
    await h.resetStats();

    await drainOutbox(ctx());

    const { contacts } = await h.control<{
      contacts: { id: string; email: string | null; name: string | null; state: string }[];
    }>('GET', '/state?entity=contacts');
    expect(
      contacts.filter((c) => c.email === email && c.state === 'active').map((c) => [c.id, c.name]),
    ).toEqual([[stored.id, 'After Rename']]);
    expect((await rowOf(h, rowId)).intercom_id).toBe(stored.id);
    expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': 1 });
  });

  it('a note whose write-back is cut off is not created again', async () => {
    const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
    const c = await mirroredContact(h.rt, 3);
    const notesBefore = (await h.remoteContact(c.intercom_id)).noteIds.length;
    const { id } = await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: c.id, body: 'written once', author_id: admins[0]!.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const noteId = Number(id);
    const lock = await lockRow(h.env.DATABASE_URL!, noteId, 'intercom.notes');
    const push = pushRecord(ctx(), 'note', noteId).catch((error: unknown) => error);
    const writer = await eventually(() => waitingWriteBack(h, 'notes'), 'the note write-back to wait');
    await sql`select pg_terminate_backend(${writer})`.execute(h.rt.db);
    await lock.release();
    expect(await push).toBeInstanceOf(Error);

    await eventually(async () => (await drainOutbox(ctx())).pushed === 1, 'the retry');

    const remote = await h.remoteContact(c.intercom_id);
    expect(remote.noteIds).toHaveLength(notesBefore + 1);
    const note = await h.rt.db
      .selectFrom('intercom.notes')
      .select('intercom_id')
      .where('id', '=', noteId)
      .executeTakeFirstOrThrow();
    expect(remote.noteIds).toContain(note.intercom_id);
  });

  it('a sync does not write Intercom over a field a local change still waits to push; other fields still arrive', async () => {
    const c = await mirroredContact(h.rt, 0);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ name: 'Edited Locally' })
      .where('id', '=', c.id)
      .execute();
    // Meanwhile an agent changes the phone in Intercom, and a sync page brings the contact in.
    await h.control('PATCH', `/contacts/${c.intercom_id}`, { phone: '+4470000' });
    await saveContacts(h.rt, [await h.rt.intercom.contacts.get(c.intercom_id)]);

    const row = await rowOf(h, c.id);
    expect(row.name).toBe('Edited Locally');
    expect(row.phone).toBe('+4470000');

    await drainOutbox(ctx());
    expect(await h.remoteContact(c.intercom_id)).toMatchObject({ name: 'Edited Locally', phone: '+4470000' });
    expect((await rowOf(h, c.id)).name).toBe('Edited Locally');
  });

  it('an older edit left in flight is never pushed after a newer one, even under postgres-wins', async () => {
    const c = await mirroredContact(h.rt, 1);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ name: 'Older Edit' })
      .where('id', '=', c.id)
      .execute();
    // A push claims it and dies before finishing (the change stays in flight).
    expect(await claimRecord(h.rt.db, 'contact', c.id)).toHaveLength(1);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ name: 'Newer Edit' })
      .where('id', '=', c.id)
      .execute();
    const pushCtx = h.ctx({ retryMinDelayMs: 1, policy: 'postgres-wins' });

    expect(await pushRecord(pushCtx, 'contact', c.id)).toBe('nothing');
    await releaseStuckChanges(h.rt.db, 0);
    await pushRecord(pushCtx, 'contact', c.id);
    await drainOutbox(pushCtx);

    expect((await h.remoteContact(c.intercom_id)).name).toBe('Newer Edit');
    expect((await outboxRows(h.rt, 'contact', c.id)).map((o) => o.state)).toEqual(['done', 'done']);
  });

  // Intercom's timestamps are whole seconds: two pushes of one field within a second leave two
  // states with one updated_at. The first one's echo (its webhook, or a page read between the two)
  // arriving last must not undo the second (the chaos run's seed 11 lost an edit this way).
  it.each([
    ['webhook', true],
    ['sync page', false],
  ])(
    'a late %s carrying our earlier push of the same second does not undo the later push; one read settles it',
    async (_source, partial) => {
      const c = await mirroredContact(h.rt, partial ? 3 : 4);
      const edit = async (name: string) => {
        await h.rt.db.updateTable('intercom.contacts').set({ name }).where('id', '=', c.id).execute();
        expect((await drainOutbox(ctx())).pushed).toBe(1);
      };
      await edit(`First Push ${_source}`);
      const afterFirst = await h.rt.intercom.contacts.get(c.intercom_id);
      await edit(`Second Push ${_source}`);
      const stored = await rowOf(h, c.id);
      // The first push's state, stamped with the second one's second (as when both fall in one).
      const echo = { ...afterFirst, updated_at: Math.floor(stored.updated_at!.getTime() / 1000) };
      await h.resetStats();

      await saveContacts(h.rt, [echo], { partial });

      expect((await rowOf(h, c.id)).name).toBe(`Second Push ${_source}`);
      expect((await h.remoteContact(c.intercom_id)).name).toBe(`Second Push ${_source}`);
      const reads = (await h.stats()).byRoute['GET /contacts/:id'] ?? {};
      expect(Object.values(reads).reduce((a, b) => a + b, 0)).toBe(1);
      expect((await outboxRows(h.rt, 'contact', c.id)).map((o) => o.state)).toEqual(['done', 'done']);
    },
  );

  it('a remote change made in the same second as our push is still applied (read again, not dropped)', async () => {
    const c = await mirroredContact(h.rt, 5);
    await h.rt.db.updateTable('intercom.contacts').set({ name: 'Our Push' }).where('id', '=', c.id).execute();
    expect((await drainOutbox(ctx())).pushed).toBe(1);
    const stored = await rowOf(h, c.id);
    await h.control('PATCH', `/contacts/${c.intercom_id}`, { name: 'Agent Right After' });
    const delivered = {
      ...(await h.rt.intercom.contacts.get(c.intercom_id)),
      updated_at: Math.floor(stored.updated_at!.getTime() / 1000),
    };

    await saveContacts(h.rt, [delivered], { partial: true });

    expect((await rowOf(h, c.id)).name).toBe('Agent Right After');
  });

  it('a change Intercom partly refuses sends its valid fields, parks the refused one, and the next sync keeps it', async () => {
    const c = await mirroredContact(h.rt, 2);
    const emailBefore = (await h.remoteContact(c.intercom_id)).email;
    await sql`update intercom.contacts set name = 'Valid', email = 'broken' where id = ${c.id}`.execute(
      h.rt.db,
    );

    await drainOutbox(ctx());

    expect(await h.remoteContact(c.intercom_id)).toMatchObject({ name: 'Valid', email: emailBefore });
    const changes = await outboxRows(h.rt, 'contact', c.id);
    const failed = changes.filter((o) => o.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.changed_columns).toEqual(['email']);
    expect(failed[0]!.last_error).toMatch(/email.*Invalid email/);
    // The next sync brings Intercom's values: the refused local value stays in the row, visibly failed.
    await saveContacts(h.rt, [await h.rt.intercom.contacts.get(c.intercom_id)]);
    expect(await rowOf(h, c.id)).toMatchObject({ name: 'Valid', email: 'broken' });
    const { rows: waiting } = await sql<{ state: string; columns: string[] }>`
      select state, columns from intercom_sync.local_changes where entity = 'contact' and row_id = ${c.id}`.execute(
      h.rt.db,
    );
    expect(waiting).toEqual([{ state: 'failed', columns: ['email'] }]);

    // The email is fixed locally and pushed: the parked change is settled and holds nothing more.
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ email: 'fixed@example.com' })
      .where('id', '=', c.id)
      .execute();
    await drainOutbox(ctx());
    expect((await h.remoteContact(c.intercom_id)).email).toBe('fixed@example.com');
    expect((await outboxRows(h.rt, 'contact', c.id)).filter((o) => o.state === 'failed')).toEqual([]);
    await h.control('PATCH', `/contacts/${c.intercom_id}`, { email: 'agent@example.com' });
    await saveContacts(h.rt, [await h.rt.intercom.contacts.get(c.intercom_id)]);
    expect((await rowOf(h, c.id)).email).toBe('agent@example.com');
  });

  it("a note on a contact that failed for good fails with the contact's reason instead of waiting forever", async () => {
    const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
    const rowId = await insertContact(h, { role: 'user', name: 'No Identity' });
    const { id: noteId } = await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: rowId, body: 'orphan note', author_id: admins[0]!.id })
      .returning('id')
      .executeTakeFirstOrThrow();

    const first = await drainOutbox(ctx());
    expect(first).toMatchObject({ failed: 2, retry: 0 });
    const [note] = await outboxRows(h.rt, 'note', Number(noteId));
    expect(note).toMatchObject({ state: 'failed' });
    expect(note!.last_error).toContain(`contact row ${rowId} cannot reach Intercom`);
    expect(note!.last_error).toMatch(/email or an external_id/);
  });

  it('verify reports a contact Intercom holds twice for one local row, and a run left running', async () => {
    const rowId = await insertContact(h, { role: 'lead', name: 'Twin Lead', email: 'twin@example.com' });
    await drainOutbox(ctx());
    const mine = (await rowOf(h, rowId)).intercom_id!;
    // A second lead with the row's email appears (say a create sent twice) and is mirrored.
    const twin = await h.control<{ id: string }>('POST', '/contacts', {
      role: 'lead',
      email: 'twin@example.com',
      name: 'Twin Lead',
    });
    await saveContacts(h.rt, [await h.rt.intercom.contacts.get(twin.id)]);
    // A full sync whose process was killed an hour ago.
    const { rows } = await sql<{ id: number }>`
      insert into intercom_sync.runs (kind, status, started_at) values ('full', 'running', now() - interval '1 hour')
      returning id::int as id`.execute(h.rt.db);

    const report = await verifyMirror(h.rt);

    expect(report.clean).toBe(false);
    expect(report.duplicates).toContainEqual({
      rowId,
      intercomIds: [mine, twin.id].sort(),
      reason: 'same email',
    });
    expect(report.interruptedRuns.map((r) => r.id)).toEqual([rows[0]!.id]);
  });

  it('the hold trigger holds exactly the columns the catalogs push', async () => {
    const { rows } = await sql<{ args: string }>`
      select encode(tgargs, 'escape') as args from pg_trigger
      where tgname = 'hold_local_changes' order by tgrelid::regclass::text`.execute(h.rt.db);
    const held = rows.map((r) => r.args.split('\\000')[1]!.replace(/[{}]/g, '').split(',').sort());
    expect(held).toEqual([[...companyCatalog.pushable].sort(), [...contactCatalog.pushable].sort()]);
  });
});
