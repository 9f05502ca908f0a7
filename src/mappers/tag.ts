// Intercom tag JSON (`{type:"tag",id,name}`) → a tags row.
import { z } from 'zod';
import { parsePayload } from './invalid-payload.js';
import { intercomId } from './payload-fields.js';
import type { JsonObject, TagRow } from './rows.js';

const tagSchema = z.looseObject({ id: intercomId, name: z.string() });

/**
 * Maps one tag payload; throws InvalidPayloadError naming the tag and field when invalid.
 * @example const rows = list.data.map(mapTag);
 */
export function mapTag(payload: unknown): TagRow {
  const t = parsePayload(tagSchema, payload, 'tag');
  return { intercom_id: t.id, name: t.name, raw: payload as JsonObject };
}
