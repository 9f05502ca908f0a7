// Bulk upsert of companies: newer-wins, unchanged rows untouched, placeholders filled in.
import { companyCatalog } from '../mappers/catalog/company.js';
import type { CompanyRow } from '../mappers/rows.js';
import {
  catalogColumns,
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

/** The columns are the company catalog's (mappers/catalog/company.ts). */
export const companiesTable: MirrorTableSpec<CompanyRow> = {
  table: 'intercom.companies',
  columns: catalogColumns<CompanyRow>(companyCatalog),
  ordered: true,
  snapshots: 'company',
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
