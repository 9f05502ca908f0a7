// Serialises rows into the one jsonb parameter a bulk statement reads with jsonb_to_recordset.

// jsonb cannot hold U+0000, nor a UTF-16 surrogate without its other half ("invalid input syntax
// for type json"); one such character in a name or a custom attribute would fail the whole batch.
// JSON.stringify writes both only as escapes (a well-formed pair is written as the character
// itself), so the escapes are what is matched — never an escaped backslash before "u0000".
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;
/** Either escape (perhaps itself escaped): a cheap scan before the exact ones above. */
const MAYBE_UNSTORABLE = /\\u(?:0000|d[89a-f])/;

/**
 * JSON text of `rows` (Dates become ISO strings, which cast to timestamptz), safe for jsonb: a NUL
 * is dropped and a lone surrogate becomes U+FFFD, the replacement character.
 * @example sql`select * from jsonb_to_recordset(${toJsonParameter(rows)}::jsonb) as r(id text)`
 */
export function toJsonParameter(rows: readonly object[]): string {
  return storableJson(JSON.stringify(rows));
}

/**
 * JSON text made storable in jsonb the same way (for a single value, e.g. a payload kept as is).
 * @example storableJson(JSON.stringify({ name: 'a\u0000b' })) // → '{"name":"ab"}'
 */
export function storableJson(json: string): string {
  // Most pages hold some \u escape (a control character in a name); only these two need the
  // lookbehind passes, which cost a page's JSON text twice over.
  if (!MAYBE_UNSTORABLE.test(json)) return json;
  return json.replace(NUL_ESCAPE, '$1').replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd');
}
