// Lists of Intercom ids read back as one joined string per row: splitting a string in JS is much
// cheaper than pg's array parser (bench/full-sync.ts profile of a no-change pass).
import { sql, type RawBuilder } from 'kysely';

/** Intercom ids never hold control characters. */
const SEPARATOR = '\x1f';

/**
 * The ids a subquery returns, as one string (read it with splitIds).
 * @example sql`select ${joinedIds(sql`select t.intercom_id from …`)} as tags from …`
 */
export function joinedIds(query: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`array_to_string(array(${query}), ${SEPARATOR})`;
}

/** Shared by every empty list read (most contacts have no tags, companies or notes): one set, not one per row. */
const NONE: ReadonlySet<string> = new Set();

/** @example const tags = splitIds(row.tags); */
export function splitIds(joined: string): ReadonlySet<string> {
  return joined === '' ? NONE : new Set(joined.split(SEPARATOR));
}
