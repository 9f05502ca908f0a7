// Bulk upserts of tags and segments, the small lists fetched whole on every pass.
import { segmentCatalog, tagCatalog } from '../mappers/catalog/tag-segment.js';
import type { SegmentRow, TagRow } from '../mappers/rows.js';
import {
  catalogColumns,
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
  type UpsertOptions,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

// Tags carry no updated_at: the content comparison alone keeps a re-sync from writing.
export const tagsTable: MirrorTableSpec<TagRow> = {
  table: 'intercom.tags',
  columns: catalogColumns<TagRow>(tagCatalog),
  ordered: false,
  revive: ['deleted_at'],
};

export const segmentsTable: MirrorTableSpec<SegmentRow> = {
  table: 'intercom.segments',
  columns: catalogColumns<SegmentRow>(segmentCatalog),
  ordered: true,
  revive: ['deleted_at'],
};

/** @example await upsertTags(db, list.data.map(mapTag)); */
export function upsertTags(
  db: Executor,
  rows: readonly TagRow[],
  options?: UpsertOptions,
): Promise<UpsertCounts> {
  return upsertMirrorRows(db, tagsTable, rows, options);
}

/** @example await upsertSegments(db, list.segments.map(mapSegment)); */
export function upsertSegments(
  db: Executor,
  rows: readonly SegmentRow[],
  options?: UpsertOptions,
): Promise<UpsertCounts> {
  return upsertMirrorRows(db, segmentsTable, rows, options);
}
