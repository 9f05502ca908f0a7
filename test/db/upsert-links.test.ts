import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { addLinks, replaceLinks } from '../../src/db/upsert-links.js';
import { upsertContacts } from '../../src/db/upsert-contacts.js';
import { upsertCompanies } from '../../src/db/upsert-companies.js';
import { upsertTags } from '../../src/db/upsert-tags-segments.js';
import { mapContact } from '../../src/mappers/contact.js';
import { mapReferenceList } from '../../src/mappers/reference-list.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';
import { companyRow, contactPayload, contactRow } from './payloads.js';

let target: MigratedDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  target = await createMigratedDatabase('upsert_links');
  db = target.db;
});
afterAll(() => target.close());
beforeEach(async () => {
  await sql`truncate intercom.contacts, intercom.companies, intercom.tags cascade`.execute(db);
});

const tagRefs = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    type: 'tag',
    id: `t${from + i}`,
    url: `/tags/t${from + i}`,
  }));

async function tagsOf(contactIntercomId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('intercom.contact_tags as l')
    .innerJoin('intercom.contacts as c', 'c.id', 'l.contact_id')
    .innerJoin('intercom.tags as t', 't.id', 'l.tag_id')
    .select('t.intercom_id')
    .where('c.intercom_id', '=', contactIntercomId)
    .orderBy('t.intercom_id')
    .execute();
  return rows.map((r) => r.intercom_id!);
}

describe('link tables', () => {
  it("a contact's 11th tag survives when the embedded list is cut at 10", async () => {
    await upsertContacts(db, [contactRow('a')]);
    // The full list (12 tags) was written earlier, from GET /contacts/a/tags.
    const full = mapReferenceList(
      { type: 'list', data: tagRefs(0, 12).map((t) => ({ ...t, name: `Tag ${t.id}` })) },
      'contact tags',
    );
    await replaceLinks(db, 'contact_tags', [{ parentIntercomId: 'a', children: full.refs }]);
    expect(await tagsOf('a')).toHaveLength(12);

    // Then a webhook brings the contact with its embedded list cut at 10.
    const { tags } = mapContact(
      contactPayload('a', { tags: { type: 'list', data: tagRefs(0, 10), total_count: 12, has_more: true } }),
    );
    expect(tags!.complete).toBe(false);
    const counts = await addLinks(db, 'contact_tags', [{ parentIntercomId: 'a', children: tags!.refs }]);
    expect(counts).toEqual({ added: 0, removed: 0, placeholders: 0, missingParents: 0 });
    expect(await tagsOf('a')).toHaveLength(12);
  });

  it('replacing a set removes only the missing pairs and adds only the new ones', async () => {
    await upsertContacts(db, [contactRow('a'), contactRow('b')]);
    const refs = (ids: string[]) => ids.map((id) => ({ intercomId: id, name: null }));
    await replaceLinks(db, 'contact_tags', [
      { parentIntercomId: 'a', children: refs(['t1', 't2', 't3']) },
      { parentIntercomId: 'b', children: refs(['t1']) },
    ]);
    const versions = await sql<{
      v: string;
    }>`select xmin::text as v from intercom.contact_tags order by 1`.execute(db);

    const counts = await replaceLinks(db, 'contact_tags', [
      { parentIntercomId: 'a', children: refs(['t2', 't3', 't4']) },
      { parentIntercomId: 'b', children: refs(['t1']) },
    ]);
    expect(counts).toMatchObject({ added: 1, removed: 1, placeholders: 1 });
    expect(await tagsOf('a')).toEqual(['t2', 't3', 't4']);
    expect(await tagsOf('b')).toEqual(['t1']);
    const after = await sql<{
      v: string;
    }>`select xmin::text as v from intercom.contact_tags order by 1`.execute(db);
    // The three pairs that did not change kept their row versions.
    expect(after.rows.filter((r) => versions.rows.some((v) => v.v === r.v))).toHaveLength(3);

    expect(await replaceLinks(db, 'contact_tags', [{ parentIntercomId: 'a', children: [] }])).toMatchObject({
      removed: 3,
    });
    expect(await tagsOf('a')).toEqual([]);
  });

  it('links to a company not mirrored yet through a placeholder that the company record later fills', async () => {
    await upsertContacts(db, [contactRow('a')]);
    const counts = await replaceLinks(db, 'contact_companies', [
      { parentIntercomId: 'a', children: [{ intercomId: 'co1', name: null }] },
    ]);
    expect(counts).toMatchObject({ added: 1, placeholders: 1 });
    const placeholder = await db.selectFrom('intercom.companies').selectAll().executeTakeFirstOrThrow();
    expect(placeholder).toMatchObject({ intercom_id: 'co1', name: null, raw: null });

    expect(await upsertCompanies(db, [companyRow('co1')])).toMatchObject({ updated: 1, inserted: 0 });
    const filled = await db.selectFrom('intercom.companies').selectAll().executeTakeFirstOrThrow();
    expect(filled).toMatchObject({ id: placeholder.id, name: 'Company co1', plan: 'Pro' });
    expect(await db.selectFrom('intercom.contact_companies').selectAll().execute()).toEqual([
      { contact_id: expect.any(Number), company_id: placeholder.id },
    ]);
  });

  it('names a placeholder tag when the list says its name, and the tag list fills it otherwise', async () => {
    await upsertCompanies(db, [companyRow('co1')]);
    await replaceLinks(db, 'company_tags', [
      { parentIntercomId: 'co1', children: [{ intercomId: 't1', name: 'VIP' }] },
    ]);
    await upsertContacts(db, [contactRow('a')]);
    await replaceLinks(db, 'contact_tags', [
      { parentIntercomId: 'a', children: [{ intercomId: 't2', name: null }] },
    ]);
    const tags = await db
      .selectFrom('intercom.tags')
      .select(['intercom_id', 'name'])
      .orderBy('intercom_id')
      .execute();
    expect(tags).toEqual([
      { intercom_id: 't1', name: 'VIP' },
      { intercom_id: 't2', name: '' },
    ]);
    await upsertTags(db, [
      { intercom_id: 't2', name: 'Churn risk', raw: { type: 'tag', id: 't2', name: 'Churn risk' } },
    ]);
    expect(
      (
        await db
          .selectFrom('intercom.tags')
          .select('name')
          .where('intercom_id', '=', 't2')
          .executeTakeFirstOrThrow()
      ).name,
    ).toBe('Churn risk');
  });

  it('skips and counts the sets of parents that are not mirrored', async () => {
    const counts = await replaceLinks(db, 'contact_tags', [
      { parentIntercomId: 'ghost', children: [{ intercomId: 't1', name: null }] },
    ]);
    expect(counts).toEqual({ added: 0, removed: 0, placeholders: 0, missingParents: 1 });
  });
});
