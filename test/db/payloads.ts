// Contact, company and note payloads for db tests, in the API's shape (mapped by the real mappers).
import { mapCompany } from '../../src/mappers/company.js';
import { mapContact } from '../../src/mappers/contact.js';
import type { CompanyRow, ContactRow } from '../../src/mappers/rows.js';

export function contactPayload(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'contact',
    id,
    workspace_id: 'ws1',
    external_id: `ext-${id}`,
    role: 'user',
    email: `${id}@example.com`,
    name: `Contact ${id}`,
    created_at: 1_690_000_000,
    updated_at: 1_700_000_000,
    location: { type: 'location', country: 'France', region: null, city: 'Lyon' },
    social_profiles: { type: 'list', data: [] },
    custom_attributes: { tier: 'gold' },
    ...overrides,
  };
}

export function contactRow(id: string, overrides: Record<string, unknown> = {}): ContactRow {
  return mapContact(contactPayload(id, overrides)).row;
}

export function companyRow(id: string, overrides: Record<string, unknown> = {}): CompanyRow {
  return mapCompany({
    type: 'company',
    id,
    company_id: `co-${id}`,
    name: `Company ${id}`,
    plan: { type: 'plan', id: '1', name: 'Pro' },
    updated_at: 1_700_000_000,
    monthly_spend: 100,
    custom_attributes: {},
    ...overrides,
  }).row;
}
