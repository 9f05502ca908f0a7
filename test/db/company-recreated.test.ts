import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { upsertCompanies } from '../../src/db/upsert-companies.js';
import { mapCompany } from '../../src/mappers/company.js';
import { createMigratedTestDatabase } from '../support/harness-env.js';
import type { TestDatabase } from '../support/services.js';

let target: TestDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  target = await createMigratedTestDatabase('recreated');
  db = createDatabase({ url: target.url });
});
afterAll(async () => {
  await db.destroy();
  await target.drop();
});

const company = (id: string, updatedAt: number) =>
  mapCompany({
    type: 'company',
    id,
    company_id: 'acme-42',
    name: 'Acme',
    created_at: 1_700_000_000,
    updated_at: updatedAt,
  }).row;

describe('a company deleted and re-created in Intercom', () => {
  it('is mirrored under its new Intercom id while the old row still carries the same company_id', async () => {
    await upsertCompanies(db, [company('6500000000000000000000aa', 1_700_000_000)]);
    const counts = await upsertCompanies(db, [company('6500000000000000000000bb', 1_700_100_000)]);
    expect(counts.inserted).toBe(1);
    const rows = await db
      .selectFrom('intercom.companies')
      .select(['intercom_id', 'company_id'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { intercom_id: '6500000000000000000000aa', company_id: 'acme-42' },
      { intercom_id: '6500000000000000000000bb', company_id: 'acme-42' },
    ]);
  });
});
