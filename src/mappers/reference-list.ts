// Nested lists (a contact's tags and companies, a company's tags and segments) → references.
// Hand-written rather than zod: a full pass reads every record's lists, also of records it does
// not map again (bench/mappers.ts).
import { fieldPath, idOf, InvalidPayloadError } from './invalid-payload.js';
import { received } from './catalog/parsers.js';
import type { Reference, ReferenceList } from './rows.js';

/** A list that does not have a list's shape, and where (the path within the list). */
class ListIssue extends Error {
  constructor(
    readonly path: readonly PropertyKey[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * The shapes seen in the wild: contacts embed `{type:"list",data,has_more,total_count}`; the spec
 * names the array `companies` for a contact's companies list while its example says `data`
 * (docs/intercom-api.md#companies); a company embeds `{type:"tag.list",tags}` and
 * `{type:"segment.list",segments}`. The first of those arrays present holds the entries.
 */
const ENTRY_KEYS = ['data', 'companies', 'tags', 'segments'] as const;

function parseList(value: unknown): ReferenceList {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ListIssue([], `expected an object, ${received(value)}`);
  const list = value as Record<string, unknown>;
  let refs: Reference[] | undefined;
  for (const key of ENTRY_KEYS) {
    const entries = list[key];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) throw new ListIssue([key], `expected an array, ${received(entries)}`);
    const parsed = entries.map((entry, i) => reference(entry, key, i));
    refs ??= parsed;
  }
  const hasMore = optional(list, 'has_more', (v) => typeof v === 'boolean', 'a boolean');
  const totalCount = optional(list, 'total_count', Number.isInteger, 'a whole number') as number | null;
  const pages = optional(list, 'pages', (v) => typeof v === 'object' && !Array.isArray(v), 'an object') as {
    next?: unknown;
  } | null;
  const found = refs ?? [];
  const complete = hasMore !== true && !pages?.next && (totalCount === null || totalCount <= found.length);
  return { refs: found, complete, totalCount };
}

function reference(entry: unknown, key: string, i: number): Reference {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ListIssue([key, i], `expected an object, ${received(entry)}`);
  const { id, name } = entry as { id?: unknown; name?: unknown };
  if (typeof id !== 'string' || id === '')
    throw new ListIssue([key, i, 'id'], `expected a non-empty id, ${received(id)}`);
  if (name !== undefined && name !== null && typeof name !== 'string')
    throw new ListIssue([key, i, 'name'], `expected a string, ${received(name)}`);
  return { intercomId: id, name: name ?? null };
}

/** A field that may be absent or null, else must pass `ok`; null when absent. */
function optional(
  list: Record<string, unknown>,
  key: string,
  ok: (v: unknown) => boolean,
  what: string,
): unknown {
  const value = list[key];
  if (value === undefined || value === null) return null;
  if (!ok(value)) throw new ListIssue([key], `expected ${what}, ${received(value)}`);
  return value;
}

/**
 * Maps a list endpoint's response (`GET /contacts/{id}/tags`, `…/companies`) to references.
 * @example const { refs, complete } = mapReferenceList(json, 'contact companies');
 */
export function mapReferenceList(payload: unknown, record: string): ReferenceList {
  try {
    return parseList(payload);
  } catch (error) {
    if (!(error instanceof ListIssue)) throw error;
    throw new InvalidPayloadError(record, idOf(payload), fieldPath(error.path), error.message);
  }
}

/**
 * The list a contact or company embeds under `key`, or null when the payload carries none (then
 * the stored links are left alone); throws InvalidPayloadError naming e.g. `tags.data[3].id`.
 * @example const tags = embeddedList(json, 'tags', 'contact');
 */
export function embeddedList(
  payload: Readonly<Record<string, unknown>>,
  key: string,
  record: string,
): ReferenceList | null {
  const value = payload[key];
  if (value === undefined || value === null) return null;
  try {
    return parseList(value);
  } catch (error) {
    if (!(error instanceof ListIssue)) throw error;
    throw new InvalidPayloadError(record, idOf(payload), fieldPath([key, ...error.path]), error.message);
  }
}
