// verify's comparison of Intercom's payload with a stored row, column by column through the
// catalog and by Postgres type — not through the sync's mapper, so a mapper bug is a difference.
import { describe, expect, it } from 'vitest';
import { defineCatalog } from '../../src/mappers/catalog/column.js';
import { companyCatalog } from '../../src/mappers/catalog/company.js';
import { contactCatalog } from '../../src/mappers/catalog/contact.js';
import { mapRow } from '../../src/mappers/catalog/map-row.js';
import { timestamp } from '../../src/mappers/catalog/parsers.js';
import { mapCompany } from '../../src/mappers/company.js';
import { mapContact } from '../../src/mappers/contact.js';
import { compareRow, Differences } from '../../src/sync/verify-compare.js';
import type { StoredRow } from '../../src/db/verify-read.js';
import { company, userContact } from '../mappers/fixtures/payloads.js';

/** A row as Postgres returns it for what the mapper made of `payload` (jsonb keys reordered, as jsonb does). */
function stored(row: Record<string, unknown>): StoredRow {
  const reorder = (v: unknown) =>
    v && typeof v === 'object' && !(v instanceof Date) ? Object.fromEntries(Object.entries(v).reverse()) : v;
  const out = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, reorder(v)]));
  return { ...out, intercom_id: String(row.intercom_id), deleted_at: null, archived: row.archived ?? false };
}

function differences(
  payload: Record<string, unknown>,
  row: StoredRow,
  catalog = contactCatalog as typeof contactCatalog | typeof companyCatalog,
) {
  const found = new Differences(100);
  const contacts = catalog === contactCatalog;
  compareRow(found, {
    entity: contacts ? 'contacts' : 'companies',
    catalog,
    id: String(payload.id),
    payload,
    stored: row,
    listed: contacts,
  });
  return found.listed;
}

describe("verify's comparison", () => {
  it('finds a contact and a company stored as the mapper stores them equal to their payloads', () => {
    expect(differences(userContact, stored(mapContact(userContact).row))).toEqual([]);
    expect(differences(company, stored(mapCompany(company).row), companyCatalog)).toEqual([]);
  });

  it('compares timestamps by the second: ISO with milliseconds or UNIX seconds against a timestamptz, 0 as never', () => {
    const row = stored(mapContact(userContact).row);
    const webhook = {
      ...userContact,
      updated_at: new Date(userContact.updated_at * 1000 + 238).toISOString(),
    };
    expect(differences(webhook, row)).toEqual([]);
    expect(differences({ ...userContact, last_replied_at: 0 }, { ...row, last_replied_at: null })).toEqual(
      [],
    );
    expect(
      differences(userContact, { ...row, updated_at: new Date((userContact.updated_at + 1) * 1000) }),
    ).toEqual([
      {
        entity: 'contacts',
        intercom_id: userContact.id,
        kind: 'stale',
        field: 'updated_at',
        intercom: new Date(userContact.updated_at * 1000),
        postgres: new Date((userContact.updated_at + 1) * 1000),
      },
    ]);
  });

  it('compares jsonb as JSON (key order ignored), a missing custom_attributes as {}, text exactly, numbers by value', () => {
    const row = stored(mapContact(userContact).row);
    expect(
      differences({ ...userContact, custom_attributes: null }, { ...row, custom_attributes: {} }),
    ).toEqual([]);
    const drift = differences(userContact, {
      ...row,
      name: row.name!.toString().toUpperCase(),
      custom_attributes: { ...(row.custom_attributes as object), seats: 13 },
      owner_id: 814861,
    });
    expect(drift.map((d) => d.field)).toEqual(['name', 'owner_id', 'custom_attributes']);
    const companyRow = stored(mapCompany(company).row);
    expect(differences(company, { ...companyRow, monthly_spend: '4999.50' }, companyCatalog)).toEqual([]);
  });

  it("takes a jsonb key sent as null for one left out (a webhook's location against the REST read), but not a value", () => {
    const rest = { type: 'location', country: 'Finland', region: null, city: 'Turku' };
    const fromWebhook = { ...rest, country_code: null, continent_code: null };
    const row = stored(mapContact({ ...userContact, location: fromWebhook }).row);
    expect(differences({ ...userContact, location: rest }, row)).toEqual([]);
    expect(differences({ ...userContact, location: { ...rest, country_code: 'FI' } }, row)).toEqual([
      expect.objectContaining({ kind: 'stale', field: 'location' }),
    ]);
  });

  it("reads a column at its API path (a company's plan.name), and a listed contact that does not say as not archived", () => {
    const row = stored(mapCompany(company).row);
    expect(
      differences({ ...company, plan: { type: 'plan', id: '1', name: 'Pro' } }, row, companyCatalog),
    ).toEqual([expect.objectContaining({ field: 'plan', intercom: 'Pro', postgres: 'Enterprise' })]);
    expect(differences({ ...company, plan: {} }, { ...row, plan: null }, companyCatalog)).toEqual([]);
    const contact = stored(mapContact(userContact).row);
    expect(differences(userContact, { ...contact, archived: true })).toEqual([
      expect.objectContaining({ field: 'archived', intercom: false, postgres: true }),
    ]);
  });

  it('reports a value of the wrong type on either side, even when its text is equal', () => {
    const row = stored(mapContact(userContact).row);
    expect(differences({ ...userContact, owner_id: '814860' }, row).map((d) => d.field)).toEqual([
      'owner_id',
    ]);
    expect(differences({ ...userContact, email: 5 }, { ...row, email: '5' }).map((d) => d.field)).toEqual([
      'email',
    ]);
  });

  it('is independent of the mapper: a row a buggy mapper wrote is a difference naming the field', () => {
    // The bug: milliseconds taken for seconds. The mapper agrees with itself, so comparing its
    // output with what it stored (how verify worked before the catalogs) finds nothing.
    const buggy = defineCatalog({
      ...contactCatalog,
      columns: {
        ...contactCatalog.columns,
        last_seen_at: {
          ...contactCatalog.columns.last_seen_at,
          parse: (v: unknown) => (typeof v === 'number' ? new Date(v) : timestamp(v)),
        },
      },
    });
    const written = mapRow(buggy, userContact).row;
    expect(written.last_seen_at).toEqual(new Date(userContact.last_seen_at));
    expect(differences(userContact, stored(written))).toEqual([
      {
        entity: 'contacts',
        intercom_id: userContact.id,
        kind: 'stale',
        field: 'last_seen_at',
        intercom: new Date(userContact.last_seen_at * 1000),
        postgres: new Date(userContact.last_seen_at),
      },
    ]);
  });
});
