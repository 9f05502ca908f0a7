// Mirror rows → API request bodies for pushes, and the checks Intercom would otherwise fail with
// (intercom-notes.md §7: a user needs an email or external_id; a user cannot become a lead).
import { nestFields } from './field-path.js';
import { unixSeconds } from './timestamp.js';

/** Contact columns the API can write (UpdateContactRequest), plus `archived` (its own endpoint). */
export const CONTACT_PUSHABLE: ReadonlySet<string> = new Set([
  'role',
  'external_id',
  'email',
  'phone',
  'name',
  'avatar',
  'last_seen_at',
  'signed_up_at',
  'owner_id',
  'unsubscribed_from_emails',
  'custom_attributes',
  'archived',
]);
export const CONTACT_TIMESTAMPS: ReadonlySet<string> = new Set(['last_seen_at', 'signed_up_at']);

/** Company columns POST /companies takes (create-or-update keyed by company_id, notes §6). */
export const COMPANY_PUSHABLE: ReadonlySet<string> = new Set([
  'name',
  'plan',
  'company_id',
  'remote_created_at',
  'size',
  'website',
  'industry',
  'custom_attributes',
  'monthly_spend',
]);
export const COMPANY_TIMESTAMPS: ReadonlySet<string> = new Set(['remote_created_at']);

/** A change Intercom would refuse; it is failed with this reason before any call is made. */
export class PushRejectedError extends Error {
  override name = 'PushRejectedError';
}

type Row = Readonly<Record<string, unknown>>;

const seconds = (value: unknown): number | null => unixSeconds(value) ?? null;

/** The body of `POST /contacts` for a row created locally. */
export function contactCreateBody(row: Row): Record<string, unknown> {
  checkIdentity(row);
  const body: Record<string, unknown> = {};
  for (const field of CONTACT_PUSHABLE) {
    if (field === 'archived') continue;
    const value = CONTACT_TIMESTAMPS.has(field) ? seconds(row[field]) : row[field];
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
