// JSON values as jsonb holds them: their types, their canonical text, and when two are equal.

// The JSON types live in the leaf src/json.ts (db imports them too); re-exported for the mappers.
export type { JsonArray, JsonObject, JsonPrimitive, JsonValue } from '../json.js';

/**
 * The one notion of "the same JSON" in this project: the text JSON.stringify writes, with every
 * object's keys sorted. So key order is ignored (jsonb does not keep it), keys whose value is
 * undefined are dropped (JSON cannot hold them; jsonb never stores them), arrays stay ordered,
 * and numbers are equal when their JSON text is (1 and 1.0 are). A value that is undefined
 * as a whole is null. Dates and other objects with toJSON count as what toJSON returns.
 * @example canonicalJson({ b: 1, a: [2, { d: undefined, c: 3 }] }) // → '{"a":[2,{"c":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value)) ?? 'null';
}

/**
 * Whether two values are the same JSON (canonicalJson equal); a primitive only ever equals
 * itself, so 1 and '1' differ, and so do null and {}.
 * @example jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 }) // → true
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}

/**
 * A key's value only when it is the object's own: custom-attribute keys such as `toString`,
 * `constructor` or `__proto__` then read as absent instead of as Object.prototype's members.
 * @example ownValue({}, 'toString') // → undefined
 */
export function ownValue(object: unknown, key: string): unknown {
  return typeof object === 'object' && object !== null && Object.hasOwn(object, key)
    ? (object as Record<string, unknown>)[key]
    : undefined;
}

/**
 * An empty object with no prototype, so any key (`__proto__` too) is set as an own property.
 * @example const out = bareObject(); out['__proto__'] = 1; Object.keys(out) // → ['__proto__']
 */
export function bareObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return sorted(json.call(value));
  if (Array.isArray(value)) return value.map(sorted);
  // No prototype: a `__proto__` key must stay a key, not become the object's prototype.
  const out = bareObject();
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sorted(v);
  }
  return out;
}
