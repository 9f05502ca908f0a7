import { describe, expect, it } from 'vitest';
import { mapCompany } from '../../src/mappers/company.js';
import { mapReferenceList } from '../../src/mappers/reference-list.js';
import { company, contactCompaniesSpecShape } from './fixtures/payloads.js';

describe('mapCompany', () => {
  it('stores the plan object of a response as its name', () => {
    const { row } = mapCompany(company);
    expect(row).toMatchObject({
      intercom_id: '6a1b2c3d4e5f',
      company_id: 'acme-001',
      name: 'Acme Ünïcode GmbH',
      plan: 'Enterprise',
      monthly_spend: 4999.5,
      size: 250,
      user_count: 87,
      custom_attributes: { region: 'EMEA', renewal: '2024-06-01' },
      remote_created_at: new Date(1394531169 * 1000),
      updated_at: new Date(1700000456 * 1000),
    });
    expect(row.raw).toBe(company);
  });

  it('accepts a plan given as a plain name, and no plan at all', () => {
    expect(mapCompany({ ...company, plan: 'Starter' }).row.plan).toBe('Starter');
    expect(mapCompany({ ...company, plan: undefined }).row.plan).toBeNull();
    expect(mapCompany({ ...company, plan: {} }).row.plan).toBeNull();
  });

  it('reads its tags and segments with their names, as complete lists', () => {
    const { tags, segments } = mapCompany(company);
    expect(tags).toEqual({ refs: [{ intercomId: '7001', name: 'VIP' }], complete: true, totalCount: null });
    expect(segments?.refs).toEqual([{ intercomId: '5310d8e8', name: 'Paying' }]);
  });

  it('rejects a fractional user count, naming the company and field', () => {
    expect(() => mapCompany({ ...company, user_count: 1.5 })).toThrow(
      /^invalid company 6a1b2c3d4e5f: user_count: /,
    );
  });
});

describe('mapReferenceList', () => {
  it('reads a contact companies list in the spec shape (`companies`) and the live one (`data`)', () => {
    const spec = mapReferenceList(contactCompaniesSpecShape, 'contact companies');
    const live = mapReferenceList(
      { ...contactCompaniesSpecShape, companies: undefined, data: contactCompaniesSpecShape.companies },
      'contact companies',
    );
    expect(spec).toEqual(live);
    expect(spec).toMatchObject({ complete: true, totalCount: 2 });
    expect(spec.refs.map((r) => r.name)).toEqual(['Acme Ünïcode GmbH', 'Acme Two']);
  });

  it('treats a page with a next page as incomplete', () => {
    const paged = {
      ...contactCompaniesSpecShape,
      pages: { type: 'pages', next: '/contacts/1/companies?page=2' },
    };
    expect(mapReferenceList(paged, 'contact companies').complete).toBe(false);
  });
});
