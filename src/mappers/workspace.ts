// Data attribute, admin and team payloads → their rows, by their catalogs; and the attribute
// type a value would need (the push creates attributes with it, docs/intercom-api.md#data-attributes).
import { mapRow } from './catalog/map-row.js';
import type { RowOf } from './catalog/column.js';
import { adminCatalog, dataAttributeCatalog, teamCatalog } from './catalog/workspace.js';

export type DataAttributeRow = RowOf<typeof dataAttributeCatalog.columns>;
export type AdminRow = RowOf<typeof adminCatalog.columns>;
export type TeamRow = RowOf<typeof teamCatalog.columns>;

/**
 * Maps one attribute of `model` (a list names its model once, in the request).
 * @example const rows = defs.map((d) => mapDataAttribute(d, 'contact'));
 */
export function mapDataAttribute(payload: unknown, model: 'contact' | 'company'): DataAttributeRow {
  return mapRow(dataAttributeCatalog, { model, ...(payload as object) }).row;
}

/** @example const rows = admins.map(mapAdmin); */
export function mapAdmin(payload: unknown): AdminRow {
  return mapRow(adminCatalog, payload).row;
}

/** @example const rows = teams.map(mapTeam); */
export function mapTeam(payload: unknown): TeamRow {
  return mapRow(teamCatalog, payload).row;
}

/**
 * The data type to create an attribute with, from the first value written to it; null when the
 * value says nothing (null) or fits no type (an object, a list).
 * @example attributeTypeOf(12) // → 'integer'; attributeTypeOf(1.5) // → 'float'
 */
export function attributeTypeOf(value: unknown): 'string' | 'integer' | 'float' | 'boolean' | null {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number' && Number.isFinite(value))
    return Number.isInteger(value) ? 'integer' : 'float';
  return null;
}

/**
 * Whether `value` may be written to an attribute of `dataType` (null clears any attribute); dates
 * are UNIX seconds.
 * @example valueFitsType('12', 'integer') // → false
 */
export function valueFitsType(value: unknown, dataType: string): boolean {
  if (value === null) return true;
  switch (dataType) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
    case 'date':
    case 'datetime':
      return typeof value === 'number' && Number.isInteger(value);
    default:
      return true; // a type this code does not know: Intercom decides
  }
}
