// The application role of deploy/postgres/app-role.sql, logged in as a real Postgres login: its
// edits to the mirror are captured and reach Intercom (the sandbox), while the service's own state
// (outbox, snapshots, ...) and the columns that say which Intercom record a row is stay out of reach,
// so it cannot forge a push or a delete.
import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { COMPANY_PUSHABLE, CONTACT_PUSHABLE } from '../../src/mappers/push-input.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { databaseUrl, uniqueName } from '../support/services.js';
import { mirroredContact, startPushHarness, type PushHarness } from '../support/push-harness.js';

const ROLE_SCRIPT = new URL('../../deploy/postgres/app-role.sql', import.meta.url);
const DENIED = /permission denied/;

let h: PushHarness;
let adminId: string;
let login: string;
/** A pool logged in as `login`, a member of intercom_app and nothing else. */
let app: Kysely<Database>;

/** Runs SQL as the migrating role, in the test database (or, given `url`, another one). */
async function asOwner(statement: string, url = h.database.url): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  h = await startPushHarness();
  const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
  adminId = admins[0]!.id;
  const script = await readFile(ROLE_SCRIPT, 'utf8');
  await asOwner(script);
  await asOwner(script); // re-running it (after an upgrade) must work and change nothing
  login = uniqueName('app');
  await asOwner(`create role "${login}" login; grant intercom_app to "${login}"`);
  const url = new URL(h.database.url);
  url.username = login;
  app = createDatabase({ url: url.toString(), poolSize: 2, applicationName: 'least-privilege test app' });
});

afterAll(async () => {
  await app?.destroy();
  await h?.close();
  // Roles belong to the cluster: drop the login (it owns nothing) from the server's own database,
  // the test database being gone. intercom_app stays, as it would on a real cluster.
  if (login) await asOwner(`drop role if exists "${login}"`, databaseUrl());
});

describe('the intercom_app role (deploy/postgres/app-role.sql)', () => {
  it('edits a contact, creates one and adds a note, and each change is captured and reaches Intercom', async () => {
    const contact = await mirroredContact(h.rt, 0);
    await app
      .updateTable('intercom.contacts')
      .set({ name: 'Edited By The App' })
      .where('id', '=', contact.id)
      .execute();
    const created = await app
      .insertInto('intercom.contacts')
      .values({ role: 'user', email: 'app-made@example.com', name: 'Made By The App' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const note = await app
      .insertInto('intercom.notes')
      .values({ contact_id: contact.id, author_id: adminId, body: 'written by the app' })
      .returning('id')
      .executeTakeFirstOrThrow();

    const captured = await h.rt.db
      .selectFrom('intercom_sync.outbox')
      .select(['entity', 'row_id', 'op'])
      .where('state', '=', 'pending')
      .orderBy('id')
      .execute();
    expect(captured).toEqual([
      { entity: 'contact', row_id: contact.id, op: 'update' },
      { entity: 'contact', row_id: created.id, op: 'insert' },
      { entity: 'note', row_id: note.id, op: 'insert' },
    ]);

    const summary = await drainOutbox(h.ctx({ adminId }));

    expect(summary).toMatchObject({ pushed: 3, failed: 0, retry: 0 });
    const edited = await h.remoteContact(contact.intercom_id);
    expect(edited.name).toBe('Edited By The App');
    const { intercom_id: newId } = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(await h.remoteContact(newId!)).toMatchObject({ email: 'app-made@example.com', state: 'active' });
    const { intercom_id: noteId } = await h.rt.db
      .selectFrom('intercom.notes')
      .select('intercom_id')
      .where('id', '=', note.id)
      .executeTakeFirstOrThrow();
    expect(edited.noteIds).toContain(noteId);
  });

  it('creates a tag and tags a contact with it, and both reach Intercom', async () => {
    const contact = await mirroredContact(h.rt, 4);
    const tag = await app
      .insertInto('intercom.tags')
      .values({ name: 'Tagged By The App' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app
      .insertInto('intercom.contact_tags')
      .values({ contact_id: contact.id, tag_id: tag.id })
      .execute();

    const summary = await drainOutbox(h.ctx({ adminId }));

    expect(summary).toMatchObject({ pushed: 2, failed: 0, retry: 0 });
    const { intercom_id: tagId } = await h.rt.db
      .selectFrom('intercom.tags')
      .select('intercom_id')
      .where('id', '=', tag.id)
      .executeTakeFirstOrThrow();
    expect((await h.remoteContact(contact.intercom_id)).tagIds).toContain(tagId);
  });

  it('cannot write the outbox, so a forged delete of another contact is impossible', async () => {
    const victim = await mirroredContact(h.rt, 1);
    const forged = {
      entity: 'contact',
      row_id: 999_999,
      op: 'delete',
      changed_columns: ['intercom_id'],
      old_data: JSON.stringify({ id: 999_999, intercom_id: victim.intercom_id }),
    };
    await expect(
      sql`insert into intercom_sync.outbox ${sql.raw('(entity, row_id, op, changed_columns, old_data)')}
      values (${forged.entity}, ${forged.row_id}, ${forged.op}, ${forged.changed_columns}, ${forged.old_data}::jsonb)`.execute(
        app,
      ),
    ).rejects.toThrow(DENIED);
    await expect(sql`update intercom_sync.outbox set op = 'delete'`.execute(app)).rejects.toThrow(DENIED);
    await expect(sql`delete from intercom_sync.outbox`.execute(app)).rejects.toThrow(DENIED);
    // Nor can it re-point a row it may edit at the victim, then delete the row.
    await expect(
      app
        .updateTable('intercom.contacts')
        .set({ intercom_id: victim.intercom_id })
        .where('id', '=', (await mirroredContact(h.rt, 2)).id)
        .execute(),
    ).rejects.toThrow(DENIED);
    await expect(
      app.insertInto('intercom.contacts').values({ role: 'user', intercom_id: 'not-yet-mirrored' }).execute(),
    ).rejects.toThrow(DENIED);

    await drainOutbox(h.ctx({ adminId }));
    expect((await h.remoteContact(victim.intercom_id)).state).toBe('active');
  });

  it("cannot insert, update or delete the snapshots, nor touch any other table of the service's state", async () => {
    await expect(
      sql`insert into intercom_sync.snapshots (entity, row_id, data) values ('contact', 1, '{}')`.execute(
        app,
      ),
    ).rejects.toThrow(DENIED);
    await expect(sql`update intercom_sync.snapshots set data = '{}'`.execute(app)).rejects.toThrow(DENIED);
    await expect(sql`delete from intercom_sync.snapshots`.execute(app)).rejects.toThrow(DENIED);
    const tables = await sql<{ name: string }>`
      select tablename as name from pg_tables where schemaname = 'intercom_sync' order by 1`.execute(h.rt.db);
    expect(tables.rows.map((t) => t.name)).toEqual(
      expect.arrayContaining(['conflicts', 'outbox', 'runs', 'snapshots', 'webhook_events', 'watermarks']),
    );
    for (const { name } of tables.rows) {
      await expect(sql`delete from ${sql.table(`intercom_sync.${name}`)}`.execute(app)).rejects.toThrow(
        DENIED,
      );
      await expect(sql`select 1 from ${sql.table(`intercom_sync.${name}`)}`.execute(app)).rejects.toThrow(
        DENIED,
      );
    }
  });

  it('reads the whole mirror, and writes only the columns the push sends; segments, attributes, admins are read-only', async () => {
    const tables = await sql<{ name: string }>`
      select tablename as name from pg_tables where schemaname = 'intercom' order by 1`.execute(h.rt.db);
    for (const { name } of tables.rows) {
      await sql`select count(*) from ${sql.table(`intercom.${name}`)}`.execute(app);
    }
    await expect(sql`delete from intercom.contact_segments`.execute(app)).rejects.toThrow(DENIED);
    await expect(sql`update intercom.tags set intercom_id = '1'`.execute(app)).rejects.toThrow(DENIED);
    for (const table of ['data_attributes', 'admins', 'teams', 'team_admins', 'segments']) {
      await expect(sql`delete from ${sql.table(`intercom.${table}`)}`.execute(app)).rejects.toThrow(DENIED);
    }
    await expect(sql`update intercom.contact_merges set status = 'merged'`.execute(app)).rejects.toThrow(
      DENIED,
    );
    await expect(sql`update intercom.notes set body = 'rewritten'`.execute(app)).rejects.toThrow(DENIED);
    await expect(sql`update intercom.contacts set raw = '{}'`.execute(app)).rejects.toThrow(DENIED);

    // The script's column lists are the push's: a pushable field added in code needs a grant too.
    const updatable = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.column_privileges
      where grantee = 'intercom_app' and table_schema = 'intercom' and privilege_type = 'UPDATE'
      order by 1, 2`.execute(h.rt.db);
    const columns = (table: string) =>
      updatable.rows.filter((r) => r.table_name === table).map((r) => r.column_name);
    expect(columns('contacts')).toEqual([...CONTACT_PUSHABLE].sort());
    expect(columns('companies')).toEqual([...COMPANY_PUSHABLE].sort());
  });

  it("setting intercom_sync.origin = 'sync' does not let it rewrite the merge base of a waiting change", async () => {
    const contact = await mirroredContact(h.rt, 3);
    await app
      .updateTable('intercom.contacts')
      .set({ name: 'Waiting Change' })
      .where('id', '=', contact.id)
      .execute();
    const snapshot = () =>
      h.rt.db
        .selectFrom('intercom_sync.snapshots')
        .select('data')
        .where('entity', '=', 'contact')
        .where('row_id', '=', contact.id)
        .executeTakeFirstOrThrow();
    const base = await snapshot();

    await app.transaction().execute(async (trx) => {
      await sql`set local intercom_sync.origin = 'sync'`.execute(trx);
      await trx
        .updateTable('intercom.contacts')
        .set({ email: 'forged@example.com' })
        .where('id', '=', contact.id)
        .execute();
    });

    expect(await snapshot()).toEqual(base);
  });

  it('capture runs as the migrating role, on a fixed search_path', async () => {
    const { rows } = await sql<{ definer: boolean; config: string[]; owner: string; migrator: string }>`
      select prosecdef as definer, proconfig as config, pg_get_userbyid(proowner) as owner, current_user as migrator
      from pg_proc where oid = 'intercom_sync.capture_change()'::regprocedure`.execute(h.rt.db);
    expect(rows[0]).toEqual({
      definer: true,
      config: ['search_path=pg_catalog, pg_temp'],
      owner: rows[0]!.migrator,
      migrator: rows[0]!.migrator,
    });
  });
});
