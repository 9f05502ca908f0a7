// Intercom segment JSON → a segments row, by the segment catalog.
import { segmentCatalog } from './catalog/tag-segment.js';
import { mapRow } from './catalog/map-row.js';
import type { SegmentRow } from './rows.js';

/**
 * Maps one segment payload; throws InvalidPayloadError naming the segment and field when invalid.
 * @example const rows = list.segments.map(mapSegment);
 */
export function mapSegment(payload: unknown): SegmentRow {
  return mapRow(segmentCatalog, payload).row;
}
