// Intercom company JSON (docs/intercom-api.md#companies) → a companies row (by the company catalog)
// and its embedded tags and segments.
import { companyCatalog } from './catalog/company.js';
import { mapColumn, mapRow } from './catalog/map-row.js';
import { embeddedList } from './reference-list.js';
import type { CompanyRow, ReferenceList } from './rows.js';

/** A company's embedded tags and segments. */
export interface CompanyLists {
  readonly intercomId: string;
  /** null when the payload carried no such list (then the stored links are left alone). */
  readonly tags: ReferenceList | null;
  readonly segments: ReferenceList | null;
}

export interface MappedCompany extends CompanyLists {
  readonly row: CompanyRow;
  /** Columns whose field the payload does not carry (the row holds null for them): see MappedRow. */
  readonly absent: readonly (keyof CompanyRow)[];
}

/**
 * Only the embedded lists of a company payload: for a company whose row is already stored as this
 * payload (its digest matches). Throws like mapCompany.
 * @example const { tags } = mapCompanyLists(json);
 */
export function mapCompanyLists(payload: unknown): CompanyLists {
  const intercomId = mapColumn(companyCatalog, payload, 'intercom_id');
  return { intercomId, ...lists(payload as Record<string, unknown>) };
}

/**
 * Maps one company payload; throws InvalidPayloadError naming the company and field when invalid.
 * @example const { row, tags } = mapCompany(json);
 */
export function mapCompany(payload: unknown): MappedCompany {
  const { row, absent } = mapRow(companyCatalog, payload);
  return { row, absent, intercomId: row.intercom_id, ...lists(payload as Record<string, unknown>) };
}

function lists(payload: Readonly<Record<string, unknown>>) {
  return {
    tags: embeddedList(payload, 'tags', 'company'),
    segments: embeddedList(payload, 'segments', 'company'),
  };
}
