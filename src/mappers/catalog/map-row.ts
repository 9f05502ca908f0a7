// The one mapper every catalog gets: an API payload → its row, by each column's path and parser,
// and which columns the payload did not carry at all (unknown, not null: docs/design.md#principle-8).
import { contentHash } from '../content-hash.js';
import { idOf, InvalidPayloadError } from '../invalid-payload.js';
import type { Catalog, ColumnMap, ResolvedColumn, RowOf } from './column.js';
import { FieldIssue, received } from './parsers.js';

export interface MappedRow<Row> {
  /**
   * The row, every column filled: a field the payload does not carry is null (or the column's
   * `nullAs`) as if it said null, which is what the upsert writes today.
   */
  readonly row: Row;
  /**
   * The columns whose field the payload does not carry (as opposed to carries as null): what an
   * upsert that never overwrites the unknown leaves alone. Webhook items omit fields REST answers
   * carry (docs/intercom-api.md#webhooks).
   */
  readonly absent: readonly (keyof Row & string)[];
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The value at a column's API path in a payload; undefined when the payload (or an object on the
 * way) does not carry it.
 * @example valueAt({ plan: { name: 'Pro' } }, ['plan', 'name']) // → 'Pro'
 */
export function valueAt(payload: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = payload;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Maps one payload by its catalog; throws InvalidPayloadError naming the record and the first
 * offending field (in catalog order), and writes nothing then.
 * @example const { row, absent } = mapRow(contactCatalog, json);
 */
export function mapRow<Columns extends ColumnMap>(
  catalog: Catalog<Columns>,
  payload: unknown,
): MappedRow<RowOf<Columns>> {
  const p = asObject(catalog, payload);
  const row: Record<string, unknown> = {};
  let absent: string[] | undefined;
  let column: ResolvedColumn | undefined;
  try {
    for (column of catalog.list) {
      if (column.source === 'payload') row[column.name] = payload;
      else if (column.source === 'digest') row[column.name] = contentHash(payload);
      else {
        const value = column.read
          ? column.read(p)
          : column.path.length === 1
            ? p[column.api]
            : valueAt(p, column.path);
        if (value === undefined) (absent ??= []).push(column.name);
        const parsed = column.parse!(value);
        row[column.name] =
          parsed === null && column.nullAs !== undefined ? structuredClone(column.nullAs) : parsed;
      }
    }
  } catch (error) {
    throw error instanceof FieldIssue && column ? invalid(catalog, p, column, error) : error;
  }
  return { row: row as RowOf<Columns>, absent: (absent ?? NONE) as MappedRow<RowOf<Columns>>['absent'] };
}

/**
 * One column of a payload, parsed as mapRow would (for reading a record's id and clock without
 * mapping it whole). Throws like mapRow.
 * @example const updatedAt = mapColumn(contactCatalog, json, 'updated_at');
 */
export function mapColumn<Columns extends ColumnMap, Name extends keyof Columns & string>(
  catalog: Catalog<Columns>,
  payload: unknown,
  name: Name,
): RowOf<Columns>[Name] {
  const p = asObject(catalog, payload);
  const column = catalog.list.find((c) => c.name === name);
  if (!column?.parse) throw new Error(`catalog ${catalog.record}: ${name} is not an API field`);
  try {
    const parsed = column.parse(column.read ? column.read(p) : valueAt(p, column.path));
    return (
      parsed === null && column.nullAs !== undefined ? structuredClone(column.nullAs) : parsed
    ) as RowOf<Columns>[Name];
  } catch (error) {
    throw error instanceof FieldIssue ? invalid(catalog, p, column, error) : error;
  }
}

function asObject(catalog: Catalog, payload: unknown): Readonly<Record<string, unknown>> {
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload))
    return payload as Record<string, unknown>;
  throw new InvalidPayloadError(
    catalog.record,
    null,
    '(payload)',
    `expected an object, ${received(payload)}`,
  );
}

function invalid(
  catalog: Catalog,
  payload: object,
  column: ResolvedColumn,
  issue: FieldIssue,
): InvalidPayloadError {
  return new InvalidPayloadError(catalog.record, idOf(payload), column.api, issue.message);
}
