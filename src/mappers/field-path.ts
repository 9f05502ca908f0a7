// How pushes, conflicts and the outbox name a field: a column (`email`), or one key of a contact's
// or company's custom attributes (`custom_attributes.plan_tier`), which merge and push one by one.
import { bareObject, ownValue } from './json.js';

/** The jsonb column whose keys are fields of their own. */
export const CUSTOM_ATTRIBUTES = 'custom_attributes';
const PREFIX = `${CUSTOM_ATTRIBUTES}.`;

/** A field: its column, and the custom attribute's key when it is one (the rest of the name, dots and all). */
export interface FieldPath {
  readonly column: string;
  readonly key: string | null;
}

/**
 * @example parseFieldPath('custom_attributes.plan_tier') // → { column: 'custom_attributes', key: 'plan_tier' }
 * @example parseFieldPath('email') // → { column: 'email', key: null }
 */
export function parseFieldPath(field: string): FieldPath {
  return field.startsWith(PREFIX)
    ? { column: CUSTOM_ATTRIBUTES, key: field.slice(PREFIX.length) }
    : { column: field, key: null };
}

/** The field name of one custom attribute. @example customAttributeField('tier') // → 'custom_attributes.tier' */
export function customAttributeField(key: string): string {
  return PREFIX + key;
}

/**
 * A field's value in a row (or an API record): a missing custom attribute is null.
 * @example readField({ custom_attributes: { tier: 'b' } }, 'custom_attributes.tier') // → 'b'
 */
export function readField(row: Readonly<Record<string, unknown>>, field: string): unknown {
  const { column, key } = parseFieldPath(field);
  if (key === null) return row[column];
  return ownValue(row[column], key) ?? null;
}

/**
 * Flat fields as an API body: custom attributes nested under `custom_attributes` again.
 * @example nestFields({ name: 'A', 'custom_attributes.tier': 'b' }) // → { name: 'A', custom_attributes: { tier: 'b' } }
 */
export function nestFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const { column, key } = parseFieldPath(field);
    if (key === null) body[column] = value;
    else {
      // A copy: the object already there may be a row's own custom_attributes. Bare, so a
      // `__proto__` key is sent as a key.
      const attributes = Object.assign(bareObject(), body[column] as Record<string, unknown> | undefined);
      attributes[key] = value;
      body[column] = attributes;
    }
  }
  return body;
}
