// Intercom tag JSON (`{type:"tag",id,name}`) → a tags row, by the tag catalog.
import { tagCatalog } from './catalog/tag-segment.js';
import { mapRow } from './catalog/map-row.js';
import type { TagRow } from './rows.js';

/**
 * Maps one tag payload; throws InvalidPayloadError naming the tag and field when invalid.
 * @example const rows = list.data.map(mapTag);
 */
export function mapTag(payload: unknown): TagRow {
  return mapRow(tagCatalog, payload).row;
}
