import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { upsertCompanies } from '../../src/db/upsert-companies.js';
import { upsertContacts } from '../../src/db/upsert-contacts.js';
import { upsertNotes } from '../../src/db/upsert-notes.js';
import { upsertSegments, upsertTags } from '../../src/db/upsert-tags-segments.js';
import { mapNote } from '../../src/mappers/note.js';
import { mapSegment } from '../../src/mappers/segment.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';
import { companyRow, contactRow } from './payloads.js';

let target: MigratedDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  target = await createMigratedDatabase('upsert_records');
  db = target.db;
});
afterAll(() => target.close());
beforeEach(async () => {
  await sql`truncate intercom.contacts, intercom.companies, intercom.tags, intercom.segments cascade`.execute(
    db,
  );
});

const note = (id: string, contactId: string, body: string) =>
  mapNote({
    type: 'note',
    id,
    created_at: 1_700_000_000,
    body,
    contact: { type: 'contact', id: contactId },
    author: { type: 'admin', id: '99' },
  });

describe('upserting companies, tags, segments and notes', () => {
  it('a late company page does not roll a company back, and an identical one writes nothing', async () => {
    await upsertCompanies(db, [companyRow('co1', { monthly_spend: 250.75, updated_at: 1_700_000_900 })]);
    expect(
      await upsertCompanies(db, [companyRow('co1', { monthly_spend: 1, updated_at: 1_700_000_100 })]),
    ).toMatchObject({ unchanged: 1 });
    expect(
      await upsertCompanies(db, [companyRow('co1', { monthly_spend: 250.75, updated_at: 1_700_000_900 })]),
    ).toMatchObject({ unchanged: 1 });
    const stored = await db.selectFrom('intercom.companies').selectAll().executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ monthly_spend: 250.75, plan: 'Pro', company_id: 'co-co1' });
  });

  it('renames a tag and leaves an unchanged one alone', async () => {
    await upsertTags(db, [
      { intercom_id: 't1', name: 'VIP', raw: {} },
      { intercom_id: 't2', name: 'Beta', raw: {} },
    ]);
    const counts = await upsertTags(db, [
      { intercom_id: 't1', name: 'VIP', raw: {} },
      { intercom_id: 't2', name: 'Beta users', raw: {} },
    ]);
    expect(counts).toEqual({ inserted: 0, updated: 1, unchanged: 1, unresolved: 0 });
  });

  it('keeps segment counts current', async () => {
    const segment = {
      type: 'segment',
      id: 's1',
      name: 'Active',
      person_type: 'user',
      count: 5,
      updated_at: 1_700_000_000,
    };
    await upsertSegments(db, [mapSegment(segment)]);
    await upsertSegments(db, [mapSegment({ ...segment, count: 7, updated_at: 1_700_000_100 })]);
    expect(await db.selectFrom('intercom.segments').select(['name', 'count']).execute()).toEqual([
      { name: 'Active', count: 7 },
    ]);
  });

  it("attaches notes to the contact's local row, and skips notes of contacts not mirrored", async () => {
    await upsertContacts(db, [contactRow('a')]);
    const counts = await upsertNotes(db, [note('n1', 'a', 'First call'), note('n2', 'ghost', 'Lost note')]);
    expect(counts).toEqual({ inserted: 1, updated: 0, unchanged: 0, unresolved: 1 });
    const contact = await db.selectFrom('intercom.contacts').select('id').executeTakeFirstOrThrow();
    const stored = await db.selectFrom('intercom.notes').selectAll().executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      intercom_id: 'n1',
      contact_id: contact.id,
      author_id: '99',
      body: 'First call',
    });

    expect(await upsertNotes(db, [note('n1', 'a', 'First call')])).toMatchObject({ unchanged: 1 });
    expect(await upsertNotes(db, [note('n1', 'a', 'First call, edited')])).toMatchObject({ updated: 1 });
  });
});
