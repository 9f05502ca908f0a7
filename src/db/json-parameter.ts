// Serialises rows into the one jsonb parameter a bulk statement reads with jsonb_to_recordset.

// jsonb cannot hold U+0000, and one such character in a custom attribute would fail the whole
// batch; drop it. Matches only a real `\u0000` escape, not an escaped backslash before "u0000".
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON text of `rows` (Dates become ISO strings, which cast to timestamptz), safe for jsonb.
 * @example sql`select * from jsonb_to_recordset(${toJsonParameter(rows)}::jsonb) as r(id text)`
 */
export function toJsonParameter(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPE, '$1') : json;
}
