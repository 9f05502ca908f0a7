// Bulk upsert of companies: newer-wins, unchanged rows untouched, placeholders filled in.
import type { CompanyRow } from '../mappers/rows.js';
import {
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

export const companiesTable: MirrorTableSpec<CompanyRow> = {
  table: 'intercom.companies',
  columns: [
    { name: 'intercom_id', type: 'text' },
    { name: 'company_id', type: 'text' },
    { name: 'app_id', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'plan', type: 'text' },
    { name: 'size', type: 'integer' },
    { name: 'website', type: 'text' },
    { name: 'industry', type: 'text' },
    { name: 'monthly_spend', type: 'numeric' },
    { name: 'session_count', type: 'integer' },
    { name: 'user_count', type: 'integer' },
    { name: 'custom_attributes', type: 'jsonb' },
    { name: 'remote_created_at', type: 'timestamptz' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'updated_at', type: 'timestamptz' },
    { name: 'last_request_at', type: 'timestamptz' },
    { name: 'raw', type: 'jsonb' },
    // Equal payloads, equal rows: saveCompanies skips a company whose stored digest matches (migration 0003).
    { name: 'content_hash', type: 'text', digest: true },
  ],
  ordered: true,
  revive: ['deleted_at'],
};

/**
 * Upserts companies by Intercom id; a row older than the stored one, or equal to it, writes nothing.
 * @example await upsertCompanies(db, scrollPage.data.map((c) => mapCompany(c).row));
 */
export function upsertCompanies(
  db: Executor,
  rows: readonly CompanyRow[],
  options?: UpsertOptions,
): Promise<UpsertCounts> {
  return upsertMirrorRows(db, companiesTable, rows, options);
}
