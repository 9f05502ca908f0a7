import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { upsertContacts } from '../../src/db/upsert-contacts.js';
import { markDeleted } from '../../src/db/mark-deleted.js';
import { withSyncWrites } from '../../src/db/sync-writes.js';
import { createMigratedDatabase, rowVersions, type MigratedDatabase } from './migrated-database.js';
import { contactRow } from './payloads.js';

let target: MigratedDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  target = await createMigratedDatabase('upsert_contacts');
  db = target.db;
});
afterAll(() => target.close());
beforeEach(async () => {
  await sql`truncate intercom.contacts cascade`.execute(db);
});

async function stored(id: string) {
  return db
    .selectFrom('intercom.contacts')
    .selectAll()
    .where('intercom_id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('upsertContacts', () => {
  it('inserts new contacts and says so', async () => {
    const counts = await upsertContacts(db, [
      contactRow('a'),
      contactRow('b', { name: 'Zoë 李', email: null }),
    ]);
    expect(counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, unresolved: 0 });
    expect(await stored('b')).toMatchObject({
      name: 'Zoë 李',
      email: null,
      role: 'user',
      custom_attributes: { tier: 'gold' },
      location: { type: 'location', country: 'France', region: null, city: 'Lyon' },
      updated_at: new Date(1_700_000_000_000),
    });
    expect((await stored('b')).raw).toMatchObject({ id: 'b', type: 'contact' });
  });

  it('a late webhook does not roll a contact back', async () => {
    await upsertContacts(db, [contactRow('a', { name: 'New name', updated_at: 1_700_000_500 })]);
    const late = await upsertContacts(db, [contactRow('a', { name: 'Old name', updated_at: 1_700_000_100 })]);
    expect(late).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await stored('a')).name).toBe('New name');

    const newer = await upsertContacts(db, [contactRow('a', { name: 'Newest', updated_at: 1_700_000_900 })]);
    expect(newer).toMatchObject({ updated: 1 });
    expect((await stored('a')).name).toBe('Newest');
  });

  it('applies a change that carries the same updated_at (Intercom stamps seconds)', async () => {
    await upsertContacts(db, [contactRow('a', { name: 'First' })]);
    expect(await upsertContacts(db, [contactRow('a', { name: 'Second' })])).toMatchObject({ updated: 1 });
    expect((await stored('a')).name).toBe('Second');
  });

  it('a no-op re-sync writes nothing', async () => {
    const rows = Array.from({ length: 50 }, (_, i) =>
      contactRow(`c${i}`, { custom_attributes: { i, tags: ['x'] } }),
    );
    await db.connection().execute(async (conn) => {
      await upsertContacts(conn, rows, { batchSize: 20 });
      const before = await tupleCounters(conn);
      const versions = await rowVersions(db, 'intercom.contacts');
      const again = await upsertContacts(
        conn,
        rows.map((r) => ({ ...r })),
        { batchSize: 20 },
      );
      expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 50, unresolved: 0 });
      expect(await rowVersions(db, 'intercom.contacts')).toEqual(versions);
      const after = await tupleCounters(conn);
      expect(after.written - before.written).toBe(0);
      expect(before.written).toBeGreaterThanOrEqual(50);
    });
  });

  it('keeps a contact repeated in one batch once, the newest version', async () => {
    const counts = await upsertContacts(db, [
      contactRow('a', { name: 'newer', updated_at: 1_700_000_200 }),
      contactRow('a', { name: 'older', updated_at: 1_700_000_100 }),
    ]);
    expect(counts).toEqual({ inserted: 1, updated: 0, unchanged: 1, unresolved: 0 });
    expect((await stored('a')).name).toBe('newer');
  });

  it('revives a deleted contact that comes back alive', async () => {
    await upsertContacts(db, [contactRow('a')]);
    await markDeleted(db, 'contacts', ['a'], { mergedInto: 'z' });
    expect(await stored('a')).toMatchObject({ merged_into_id: 'z' });
    const counts = await upsertContacts(db, [contactRow('a')]);
    expect(counts).toMatchObject({ updated: 1 });
    expect(await stored('a')).toMatchObject({ deleted_at: null, merged_into_id: null });
  });

  it('keeps the stored archived flag when the payload does not carry one', async () => {
    await upsertContacts(db, [contactRow('a')]);
    await db.updateTable('intercom.contacts').set({ archived: true }).execute();
    // That edit went into the outbox; pushed, it no longer holds the column against the sync
    // (hold_local_changes, migration 0005). Its snapshot (the state it started from) is moved a
    // minute back: a tie with the snapshot's second is not written but read again (next test).
    await sql`delete from intercom_sync.outbox`.execute(db);
    await sql`update intercom_sync.snapshots set remote_updated_at = remote_updated_at - interval '1 minute'`.execute(db);
    expect(await upsertContacts(db, [contactRow('a')])).toMatchObject({ unchanged: 1 });
    expect((await stored('a')).archived).toBe(true);
    await upsertContacts(db, [contactRow('a', { archived: false })]);
    expect((await stored('a')).archived).toBe(false);
  });

  it('does not write a row that ties the second of its snapshot, but names it to be read again; a fresh read is written', async () => {
    await upsertContacts(db, [contactRow('a', { name: 'Pushed Second' })]);
    // The agreed snapshot of that second, as a push's write-back leaves it.
    await sql`insert into intercom_sync.snapshots (entity, row_id, intercom_id, data, remote_updated_at)
      select 'contact', id, intercom_id, to_jsonb(c) - 'raw', updated_at from intercom.contacts c`.execute(db);
    const tied: string[] = [];
    const echo = contactRow('a', { name: 'Pushed First' });
    expect(await upsertContacts(db, [echo], { tied: (ids) => tied.push(...ids) })).toMatchObject({ unchanged: 1 });
    expect(tied).toEqual(['a']);
    expect((await stored('a')).name).toBe('Pushed Second');
    // A row one second newer is no tie; one equal to the stored row is no change.
    const later = contactRow('a', { name: 'Agent Later', updated_at: 1_700_000_001 });
    const fresh = contactRow('a', { name: 'Read Again' });
    expect(await upsertContacts(db, [fresh], { fresh: true })).toMatchObject({ updated: 1 });
    expect((await stored('a')).name).toBe('Read Again');
    expect(await upsertContacts(db, [later], { tied: (ids) => tied.push(...ids) })).toMatchObject({ updated: 1 });
    expect(tied).toEqual(['a']);
    expect((await stored('a')).name).toBe('Agent Later');
  });

  it('stores a custom attribute holding U+0000 instead of failing the whole batch', async () => {
    const counts = await upsertContacts(db, [
      contactRow('a', { name: 'nul\u0000here', custom_attributes: { s: 'x\u0000y', t: 'back\\u0000slash' } }),
      contactRow('b'),
    ]);
    expect(counts.inserted).toBe(2);
    expect(await stored('a')).toMatchObject({
      name: 'nulhere',
      custom_attributes: { s: 'xy', t: 'back\\u0000slash' },
    });
  });

  it('stores the digest of the payload, and any other change to the row clears it (so a pass compares that row again)', async () => {
    await sql`delete from intercom_sync.outbox`.execute(db);
    const row = contactRow('a');
    await upsertContacts(db, [row]);
    expect((await stored('a')).content_hash).toBe(row.content_hash);
    expect(contactRow('a', { name: 'Other' }).content_hash).not.toBe(row.content_hash);

    // An update that changes nothing keeps the digest and puts nothing in the outbox.
    await sql`update intercom.contacts set name = name where intercom_id = 'a'`.execute(db);
    expect((await stored('a')).content_hash).toBe(row.content_hash);
    expect(await db.selectFrom('intercom_sync.outbox').select('id').execute()).toEqual([]);

    // A local edit, and equally the sweep's deleted_at, leave a row the digest no longer describes.
    await sql`update intercom.contacts set email = 'local@example.org' where intercom_id = 'a'`.execute(db);
    expect((await stored('a')).content_hash).toBeNull();
    // While that edit waits in the outbox the sync keeps its value; once pushed, the sync's wins.
    await upsertContacts(db, [row]);
    expect(await stored('a')).toMatchObject({ email: 'local@example.org' });
    await sql`delete from intercom_sync.outbox`.execute(db);
    await sql`update intercom_sync.snapshots set remote_updated_at = remote_updated_at - interval '1 minute'`.execute(db);
    await upsertContacts(db, [row]);
    expect(await stored('a')).toMatchObject({ email: 'a@example.com', content_hash: row.content_hash });
    await markDeleted(db, 'contacts', ['a']);
    expect((await stored('a')).content_hash).toBeNull();
  });

  it("the sync's own writes carry the origin flag", async () => {
    await sql`
      create table public.origin_log (origin text);
      create function public.log_origin() returns trigger language plpgsql as $$
      begin insert into public.origin_log values (current_setting('intercom_sync.origin', true)); return null; end $$;
      create trigger log_origin after insert or update on intercom.contacts for each row execute function public.log_origin();
    `.execute(db);
    try {
      await upsertContacts(db, [contactRow('a'), contactRow('b')]);
      await upsertContacts(db, [contactRow('a', { name: 'changed' })]);
      await db.insertInto('intercom.contacts').values({ email: 'local@example.com' }).execute();
      const origins = await sql<{ origin: string | null }>`select origin from public.origin_log`.execute(db);
      expect(origins.rows.map((r) => r.origin)).toEqual([
        'sync',
        'sync',
        'sync',
        expect.not.stringMatching(/^sync$/),
      ]);
      // withSyncWrites on a caller's transaction marks that transaction too.
      await sql`truncate public.origin_log`.execute(db);
      await db
        .transaction()
        .execute((trx) => withSyncWrites(trx, () => upsertContacts(trx, [contactRow('c')])));
      expect((await sql<{ origin: string }>`select origin from public.origin_log`.execute(db)).rows).toEqual([
        { origin: 'sync' },
      ]);
    } finally {
      await sql`drop trigger log_origin on intercom.contacts; drop function public.log_origin; drop table public.origin_log`.execute(
        db,
      );
    }
  });
});

/** Rows inserted + updated + deleted in intercom.contacts, flushed from this session's stats first. */
async function tupleCounters(conn: Kysely<Database>): Promise<{ written: number }> {
  await sql`select pg_stat_force_next_flush()`.execute(conn);
  // The flush happens when the backend goes idle; a second statement runs after it.
  await sql`select 1`.execute(conn);
  await sql`select pg_stat_clear_snapshot()`.execute(conn);
  const result = await sql<{ written: number }>`
    select (n_tup_ins + n_tup_upd + n_tup_del)::int as written
    from pg_stat_user_tables where schemaname = 'intercom' and relname = 'contacts'`.execute(conn);
  return result.rows[0]!;
}
