// Mirror rows → API request bodies for pushes, and the checks Intercom would otherwise fail with
// (docs/intercom-api.md#identity, docs/intercom-api.md#roles-and-leads: a user needs an email or external_id;
// a user cannot become a lead).
import { ServiceError } from '../errors.js';
import { companyCatalog } from './catalog/company.js';
import { contactCatalog } from './catalog/contact.js';
import { nestFields } from './field-path.js';
import { unixSeconds } from './timestamp.js';

/** Contact columns the API can write (UpdateContactRequest), plus `archived` (its own endpoint). */
export const CONTACT_PUSHABLE: ReadonlySet<string> = contactCatalog.pushable;
export const CONTACT_TIMESTAMPS: ReadonlySet<string> = contactCatalog.pushedAsSeconds;

/** Company columns POST /companies takes (create-or-update keyed by company_id, docs/intercom-api.md#companies). */
export const COMPANY_PUSHABLE: ReadonlySet<string> = companyCatalog.pushable;
export const COMPANY_TIMESTAMPS: ReadonlySet<string> = companyCatalog.pushedAsSeconds;

/** Contact columns a create sends in its body (archive state has an endpoint of its own). */
const CONTACT_CREATE_FIELDS = contactCatalog.list.filter(
  (c) => c.push === 'value' || c.push === 'unix-seconds',
);

/** A change Intercom would refuse; it is failed with this reason before any call is made (permanent). */
export class PushRejectedError extends ServiceError {
  override name = 'PushRejectedError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

type Row = Readonly<Record<string, unknown>>;

const seconds = (value: unknown): number | null => unixSeconds(value) ?? null;

/** The body of `POST /contacts` for a row created locally. */
export function contactCreateBody(row: Row): Record<string, unknown> {
  checkIdentity(row);
  const body: Record<string, unknown> = {};
  for (const { name: field, push } of CONTACT_CREATE_FIELDS) {
    const value = push === 'unix-seconds' ? seconds(row[field]) : row[field];
    if (
      value !== null &&
      value !== undefined &&
      !(field === 'custom_attributes' && Object.keys(value as object).length === 0)
    ) {
      body[field] = value;
    }
  }
  return body;
}

/** The checks on an update body, given the contact's role before the change. */
export function checkContactUpdate(body: Row, current: Row, roleBefore: unknown): void {
  if (roleBefore === 'user' && body.role === 'lead') {
    throw new PushRejectedError(
      "a user cannot be turned into a lead (Intercom: user role can't be converted to a lead)",
    );
  }
  const merged = { ...current, ...body };
  if ('email' in body || 'external_id' in body || 'role' in body) checkIdentity(merged);
}

function checkIdentity(row: Row): void {
  const role = row.role ?? 'user';
  if (role !== 'user' && role !== 'lead')
    throw new PushRejectedError(`role must be 'user' or 'lead', not '${String(role)}'`);
  if (role === 'user' && !row.email && !row.external_id) {
    throw new PushRejectedError(
      'a user needs an email or an external_id (Intercom refuses a user with neither)',
    );
  }
}

/** The body of `POST /companies`: company_id keys it; only the given fields besides. */
export function companyBody(row: Row, fields?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!row.company_id)
    throw new PushRejectedError('company_id is required: Intercom creates and updates companies by it');
  const source = fields ?? Object.fromEntries([...COMPANY_PUSHABLE].map((f) => [f, row[f]]));
  const flat: Record<string, unknown> = { company_id: row.company_id };
  for (const [field, value] of Object.entries(source)) {
    if (value === null || value === undefined) continue;
    flat[field] = COMPANY_TIMESTAMPS.has(field) ? seconds(value) : value;
  }
  const body = nestFields(flat);
  if (body.name === undefined && row.name) body.name = row.name;
  return body;
}
