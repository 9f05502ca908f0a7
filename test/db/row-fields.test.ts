// writeFields, the one way a push (Intercom won a conflict) and `conflicts resolve` set fields: JSON
// values cast to each column's type, custom attributes one key at a time, in one statement; a local
// edit outside withSyncWrites (pushed), the sync's own inside it (not).
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { writeFields } from '../../src/db/row-fields.js';
import { withSyncWrites } from '../../src/db/sync-writes.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';

let m: MigratedDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  m = await createMigratedDatabase('rowfields');
  db = m.db;
});
afterAll(() => m?.close());

async function contact(values: Record<string, unknown>): Promise<number> {
  const row = await withSyncWrites(db, (trx) =>
    trx
      .insertInto('intercom.contacts')
      .values({ role: 'user', email: 'a@example.com', ...values } as never)
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

const outboxOf = (rowId: number) =>
  db
    .selectFrom('intercom_sync.outbox')
    .select(['op', 'changed_columns'])
    .where('row_id', '=', rowId)
    .execute();

describe('writeFields', () => {
  it("casts each JSON value to its column's type and sets custom attributes by key, keeping the others", async () => {
    const id = await contact({ custom_attributes: JSON.stringify({ plan: 'free', seats: 2, keep: true }) });
    await withSyncWrites(db, (trx) =>
      writeFields(trx, 'intercom.contacts', id, {
        name: 'Ada',
        unsubscribed_from_emails: true,
        signed_up_at: '2024-03-01T10:00:00.000Z',
        'custom_attributes.plan': 'pro',
        'custom_attributes.seats': 5,
        'custom_attributes.gone': undefined,
      }),
    );
    const row = await db
      .selectFrom('intercom.contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'Ada', unsubscribed_from_emails: true });
    expect(row.signed_up_at).toEqual(new Date('2024-03-01T10:00:00.000Z'));
    expect(row.custom_attributes).toEqual({ plan: 'pro', seats: 5, keep: true, gone: null });
  });

  it('writes every field in one statement: the outbox captures one change naming them all', async () => {
    const id = await contact({ name: 'Before' });
    await writeFields(db, 'intercom.contacts', id, {
      name: 'After',
      phone: '+1 555',
      'custom_attributes.tier': 'gold',
    });
    expect(await outboxOf(id)).toEqual([
      { op: 'update', changed_columns: ['custom_attributes', 'name', 'phone'] },
    ]);
  });

  it('is a local edit, pushed, outside withSyncWrites, and the sync’s own write inside it', async () => {
    const id = await contact({ name: 'Synced' });
    await withSyncWrites(db, (trx) => writeFields(trx, 'intercom.contacts', id, { name: 'Intercom won' }));
    expect(await outboxOf(id)).toEqual([]);
    await writeFields(db, 'intercom.contacts', id, { 'custom_attributes.plan': 'pro' });
    expect(await outboxOf(id)).toEqual([{ op: 'update', changed_columns: ['custom_attributes'] }]);
  });

  it('writes companies the same way, and nothing for no fields', async () => {
    const company = await withSyncWrites(db, (trx) =>
      trx
        .insertInto('intercom.companies')
        .values({ intercom_id: 'co1', name: 'Acme' })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    await writeFields(db, 'intercom.companies', company.id, {});
    expect(
      await db.selectFrom('intercom_sync.outbox').select('id').where('entity', '=', 'company').execute(),
    ).toEqual([]);
    await withSyncWrites(db, (trx) =>
      writeFields(trx, 'intercom.companies', company.id, {
        monthly_spend: 120,
        remote_created_at: '2020-01-02T00:00:00Z',
      }),
    );
    const row = await db
      .selectFrom('intercom.companies')
      .selectAll()
      .where('id', '=', company.id)
      .executeTakeFirstOrThrow();
    expect(row.monthly_spend).toBe(120);
    expect(row.remote_created_at).toEqual(new Date('2020-01-02T00:00:00Z'));
  });
});
