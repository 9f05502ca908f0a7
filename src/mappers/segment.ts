// Intercom segment JSON → a segments row.
import { z } from 'zod';
import { parsePayload } from './invalid-payload.js';
import { intercomId, nullableInteger, nullableString, unixTimestamp } from './payload-fields.js';
import type { JsonObject, SegmentRow } from './rows.js';

const segmentSchema = z.looseObject({
  id: intercomId,
  name: z.string(),
  person_type: nullableString,
  count: nullableInteger,
  created_at: unixTimestamp,
  updated_at: unixTimestamp,
});

/**
 * Maps one segment payload; throws InvalidPayloadError naming the segment and field when invalid.
 * @example const rows = list.segments.map(mapSegment);
 */
export function mapSegment(payload: unknown): SegmentRow {
  const s = parsePayload(segmentSchema, payload, 'segment');
  return {
    intercom_id: s.id,
    name: s.name,
    person_type: s.person_type,
    count: s.count,
    created_at: s.created_at,
    updated_at: s.updated_at,
    raw: payload as JsonObject,
  };
}
