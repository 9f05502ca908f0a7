// JSON made storable in Postgres: jsonb and text refuse `\u0000` and lone UTF-16 surrogates, which
// JSON.parse accepts, so they become U+FFFD; nesting is bounded, since JSON.stringify and Postgres
// recurse on it. Done before a webhook is stored, so what is stored can be applied (docs/design.md#principle-7).

/** Deeper than any Intercom payload (they nest 4–6 levels), far below what would overflow a stack. */
export const MAX_JSON_DEPTH = 64;

const DEEP = `the body nests deeper than ${MAX_JSON_DEPTH} levels`;

/** Whether a value nests deeper than MAX_JSON_DEPTH, found without recursion or copying. */
function tooDeep(value: unknown): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

export type StorableJson =
  | { readonly ok: true; readonly value: unknown; readonly replaced: number }
  | { readonly ok: false; readonly reason: string };

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function fix(text: string, count: { n: number }): string {
  UNSTORABLE.lastIndex = 0;
  if (!UNSTORABLE.test(text)) return text;
  return text.replace(UNSTORABLE, () => {
    count.n++;
    return '\uFFFD';
  });
}

/** In JSON text, the only ways to write a NUL or a surrogate: `\u0000`, `\uD800`–`\uDFFF`. */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * `value` (parsed JSON) with every string and key Postgres cannot store repaired (`replaced`
 * counts the characters replaced), or why it cannot be stored at all (nested too deep). Walks
 * without recursion, and returns `value` itself when nothing needed repair. Given the JSON
 * `text` it was parsed from, text without such escapes is only checked for depth (no copy).
 * @example const s = storableJson(JSON.parse(body), body); if (!s.ok) reply.code(400).send({ error: s.reason });
 */
export function storableJson(value: unknown, text?: string): StorableJson {
  if (text !== undefined && !UNSTORABLE_ESCAPE.test(text)) {
    return tooDeep(value) ? { ok: false, reason: DEEP } : { ok: true, value, replaced: 0 };
  }
  const count = { n: 0 };
  // Each frame: a container, and where its repaired copy is put once finished.
  const root = { value };
  const stack: Array<{
    from: unknown;
    into: Record<string, unknown> | unknown[];
    key: string | number;
    depth: number;
  }> = [{ from: value, into: root as unknown as Record<string, unknown>, key: 'value', depth: 0 }];
  while (stack.length > 0) {
    const { from, into, key, depth } = stack.pop()!;
    let copy: unknown = from;
    if (typeof from === 'string') copy = fix(from, count);
    else if (typeof from === 'object' && from !== null) {
      if (depth >= MAX_JSON_DEPTH) return { ok: false, reason: DEEP };
      if (Array.isArray(from)) {
        const out: unknown[] = new Array(from.length);
        from.forEach((v, i) => stack.push({ from: v, into: out, key: i, depth: depth + 1 }));
        copy = out;
      } else {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(from)) {
          const fixed = fix(k, count);
          // defineProperty: a key such as `__proto__` stays an own key, as JSON.parse made it.
          Object.defineProperty(out, fixed, {
            value: undefined,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          stack.push({ from: v, into: out, key: fixed, depth: depth + 1 });
        }
        copy = out;
      }
    }
    (into as Record<string | number, unknown>)[key] = copy;
  }
  return { ok: true, value: count.n === 0 ? value : root.value, replaced: count.n };
}
