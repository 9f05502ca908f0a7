// The pure half of verify: which columns are compared, how values are made comparable, and how a
// record, its links and its notes become differences. No I/O, so every rule here is one place.
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import type { ReferenceList } from '../mappers/rows.js';
import type { Difference, VerifiedEntity, VerifyReport } from './verify.js';
import type { StoredRow } from '../db/verify-read.js';

export const CONTACT_COLUMNS = [
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
] as const;

export const COMPANY_COLUMNS = [
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
] as const;

/** Collects differences: counts every one, keeps the first `limit`. */
export class Differences {
  readonly listed: Difference[] = [];
  total = 0;
  readonly #byKind = { missing: 0, extra: 0, stale: 0 };
  readonly #byEntity: Partial<Record<VerifiedEntity, number>> = {};
  constructor(private readonly limit: number) {}

  add(difference: Difference): void {
    this.total++;
    this.#byKind[difference.kind]++;
    this.#byEntity[difference.entity] = (this.#byEntity[difference.entity] ?? 0) + 1;
    if (this.listed.length < this.limit) this.listed.push(difference);
  }

  counts(): VerifyReport['counts'] {
    return { total: this.total, ...this.#byKind, byEntity: { ...this.#byEntity } };
  }
}

/** Maps payloads as the sync does, so one it cannot map is reported rather than thrown. */
export function mapAll<T>(
  payloads: readonly unknown[],
  map: (p: unknown) => T,
  entity: VerifiedEntity,
  found: Differences,
): T[] {
  const out: T[] = [];
  for (const payload of payloads) {
    try {
      out.push(map(payload));
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      // The sync skips a payload it cannot map, so the mirror cannot hold it: it is missing.
      found.add({
        entity,
        intercom_id: error.recordId ?? '(no id)',
        kind: 'missing',
        field: error.field,
        intercom: error.message,
      });
    }
  }
  return out;
}

/** Compares one record's mapped columns (never `raw`) with its stored row. */
export function compareRow(
  found: Differences,
  entity: VerifiedEntity,
  expected: { readonly intercom_id: string },
  stored: StoredRow | undefined,
  columns: readonly string[],
): boolean {
  const id = expected.intercom_id;
  const values = expected as unknown as Record<string, unknown>;
  if (!stored || stored.deleted_at !== null) {
    found.add({
      entity,
      intercom_id: id,
      kind: 'missing',
      ...(stored && { postgres: { deleted_at: stored.deleted_at } }),
    });
    return false;
  }
  for (const field of columns) {
    if (canonical(values[field]) !== canonical(stored[field])) {
      found.add({
        entity,
        intercom_id: id,
        kind: 'stale',
        field,
        intercom: values[field] ?? null,
        postgres: stored[field] ?? null,
      });
    }
  }
  return true;
}

export function compareLinks(
  found: Differences,
  entity: VerifiedEntity,
  parent: string,
  intercom: readonly string[],
  postgres: readonly string[],
) {
  const remote = new Set(intercom);
  const local = new Set(postgres);
  for (const child of remote)
    if (!local.has(child)) found.add({ entity, intercom_id: parent, kind: 'missing', intercom: child });
  for (const child of local)
    if (!remote.has(child)) found.add({ entity, intercom_id: parent, kind: 'extra', postgres: child });
}

/**
 * Notes are checked against what the contact embeds (count and the ids shown) without a call per
 * contact: notes cannot be edited, so a matching count and ids means the same notes.
 */
export function compareNotes(
  found: Differences,
  contact: string,
  notes: ReferenceList,
  stored: readonly string[],
) {
  const have = new Set(stored);
  for (const ref of notes.refs) {
    if (!have.has(ref.intercomId))
      found.add({
        entity: 'notes',
        intercom_id: ref.intercomId,
        kind: 'missing',
        field: `contact ${contact}`,
      });
  }
  const total = notes.totalCount ?? notes.refs.length;
  if (total !== stored.length) {
    found.add({
      entity: 'notes',
      intercom_id: contact,
      kind: 'stale',
      field: 'count',
      intercom: total,
      postgres: stored.length,
    });
  }
}

/** A comparable form of a column value: Dates by instant, JSON with sorted keys, numbers by value. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `date:${value.getTime()}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `number:${Number(value)}`;
  if (typeof value === 'object') return `json:${JSON.stringify(sortKeys(value))}`;
  return `${typeof value}:${String(value)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
