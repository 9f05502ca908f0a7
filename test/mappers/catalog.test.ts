// The catalogs are the one list of mirrored columns: what is derived from them, and what mapRow
// tells apart (a field the payload does not carry from one it carries as null).
import { describe, expect, it } from 'vitest';
import { catalogColumns } from '../../src/db/mirror-upsert.js';
import { companiesTable } from '../../src/db/upsert-companies.js';
import { contactsTable } from '../../src/db/upsert-contacts.js';
import { defineCatalog } from '../../src/mappers/catalog/column.js';
import { companyCatalog } from '../../src/mappers/catalog/company.js';
import { contactCatalog } from '../../src/mappers/catalog/contact.js';
import { mapRow } from '../../src/mappers/catalog/map-row.js';
import { segmentCatalog, tagCatalog } from '../../src/mappers/catalog/tag-segment.js';
import { text, timestamp } from '../../src/mappers/catalog/parsers.js';
import { mapCompany } from '../../src/mappers/company.js';
import { mapContact } from '../../src/mappers/contact.js';
import {
  COMPANY_PUSHABLE,
  COMPANY_TIMESTAMPS,
  CONTACT_PUSHABLE,
  CONTACT_TIMESTAMPS,
  contactCreateBody,
} from '../../src/mappers/push-input.js';
import { company, userContact } from './fixtures/payloads.js';

describe('the contact and company catalogs', () => {
  it('give the push exactly the fields the API writes, timestamps sent as UNIX seconds', () => {
    expect([...CONTACT_PUSHABLE].sort()).toEqual(
      [
        'archived',
        'avatar',
        'custom_attributes',
        'email',
        'external_id',
        'last_seen_at',
        'name',
        'owner_id',
        'phone',
        'role',
        'signed_up_at',
        'unsubscribed_from_emails',
      ].sort(),
    );
    expect([...CONTACT_TIMESTAMPS].sort()).toEqual(['last_seen_at', 'signed_up_at']);
    expect([...COMPANY_PUSHABLE].sort()).toEqual(
      [
        'company_id',
        'custom_attributes',
        'industry',
        'monthly_spend',
        'name',
        'plan',
        'remote_created_at',
        'size',
        'website',
      ].sort(),
    );
    expect([...COMPANY_TIMESTAMPS]).toEqual(['remote_created_at']);
    // archived has an endpoint of its own: a create body never carries it.
    const body = contactCreateBody({ ...mapContact(userContact).row, archived: true });
    expect(body).not.toHaveProperty('archived');
    expect(body.last_seen_at).toBe(userContact.last_seen_at);
  });

  it('give verify every API column but the key (the columns it compared when they were listed by hand)', () => {
    const names = (list: readonly { name: string }[]) => list.map((c) => c.name);
    expect(names(contactCatalog.verified)).toEqual([
      'workspace_id',
      'external_id',
      'role',
      'email',
      'phone',
      'name',
      'avatar',
      'owner_id',
      'social_profiles',
      'has_hard_bounced',
      'marked_email_as_spam',
      'unsubscribed_from_emails',
      'language_override',
      'browser',
      'browser_version',
      'browser_language',
      'os',
      'location',
      'custom_attributes',
      'created_at',
      'updated_at',
      'signed_up_at',
      'last_seen_at',
      'last_replied_at',
      'last_contacted_at',
      'last_email_opened_at',
      'last_email_clicked_at',
      'archived',
    ]);
    expect(names(companyCatalog.verified)).toEqual([
      'company_id',
      'app_id',
      'name',
      'plan',
      'size',
      'website',
      'industry',
      'monthly_spend',
      'session_count',
      'user_count',
      'custom_attributes',
      'remote_created_at',
      'created_at',
      'updated_at',
      'last_request_at',
    ]);
    expect(names(segmentCatalog.verified)).toEqual(['name', 'person_type', 'created_at', 'updated_at']);
    expect(names(tagCatalog.verified)).toEqual(['name']);
  });

  it('give the upsert its columns in catalog order, intercom_id first, with the "not said" rule and the digest', () => {
    expect(contactsTable.columns.map((c) => c.name)).toEqual(contactCatalog.list.map((c) => c.name));
    expect(companiesTable.columns.map((c) => c.name)).toEqual(companyCatalog.list.map((c) => c.name));
    expect(contactsTable.columns[0]).toEqual({ name: 'intercom_id', type: 'text' });
    expect(contactsTable.columns.find((c) => c.name === 'archived')).toEqual({
      name: 'archived',
      type: 'boolean',
      keepWhenNull: { insert: false },
    });
    expect(contactsTable.columns.filter((c) => c.digest).map((c) => c.name)).toEqual(['content_hash']);
    expect(companiesTable.columns.find((c) => c.name === 'monthly_spend')?.type).toBe('numeric');
  });

  it('fill every catalog column of a mapped row, and nothing else', () => {
    expect(Object.keys(mapContact(userContact).row)).toEqual(contactCatalog.list.map((c) => c.name));
    expect(Object.keys(mapCompany(company).row)).toEqual(companyCatalog.list.map((c) => c.name));
  });
});

describe('mapRow', () => {
  it('tells a field the payload does not carry (absent) from one it carries as null; the row holds null for both', () => {
    const { phone: _phone, ...withoutPhone } = userContact;
    const mapped = mapContact({ ...withoutPhone, avatar: null });
    expect(mapped.row.phone).toBeNull();
    expect(mapped.row.avatar).toBeNull();
    expect(mapped.absent).toContain('phone');
    expect(mapped.absent).not.toContain('avatar');
    // 2.2 REST contacts never say whether they are archived: the one field a REST answer leaves out.
    expect(mapContact(userContact).absent).toEqual(['archived']);
    expect(mapContact({ ...userContact, archived: false }).absent).toEqual([]);
  });

  it('counts a company without a plan key as absent, and `plan: {}` as saying "no plan"', () => {
    const { plan: _plan, ...withoutPlan } = company;
    expect(mapCompany(withoutPlan).absent).toEqual(['plan']);
    expect(mapCompany({ ...company, plan: {} })).toMatchObject({ absent: [], row: { plan: null } });
  });

  it('maps a column added to a catalog with no other edit: row, upsert columns and push lists follow', () => {
    const extended = defineCatalog({
      ...contactCatalog,
      columns: {
        ...contactCatalog.columns,
        timezone: { pg: 'text', parse: text, push: 'value' },
        last_heard_at: { pg: 'timestamptz', parse: timestamp, push: 'unix-seconds' },
      },
    });
    const { row, absent } = mapRow(extended, { ...userContact, timezone: 'Europe/Warsaw' });
    expect(row.timezone).toBe('Europe/Warsaw');
    expect(row.last_heard_at).toBeNull();
    expect(absent).toContain('last_heard_at');
    expect(catalogColumns(extended).map((c) => c.name)).toContain('timezone');
    expect(extended.pushable.has('timezone')).toBe(true);
    expect(extended.pushedAsSeconds.has('last_heard_at')).toBe(true);
    expect(extended.verified.map((c) => c.name)).toContain('timezone');
  });

  it('names the first offending field in catalog order, by its API name', () => {
    expect(() => mapCompany({ ...company, plan: { name: 5 } })).toThrow(
      /^invalid company 6a1b2c3d4e5f: plan\.name: expected a string, received number 5$/,
    );
    expect(() => mapContact({ ...userContact, email: 5, owner_id: 'x' })).toThrow(
      /: email: expected a string/,
    );
    expect(() => mapContact({ ...userContact, location: ['Warszawa'] })).toThrow(
      /: location: expected an object, received an array/,
    );
  });
});
