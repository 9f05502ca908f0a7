// What a catalog says about each mirrored column of one entity, the row type it describes, and the
// lists derived from it (pushable fields, verified columns). Pure data: the mapper (map-row.ts), the
// upsert spec (db/mirror-upsert.ts), verify and the push all read these, so a column is one edit.
import type { JsonObject, JsonPrimitive, JsonValue } from '../json.js';

/** The Postgres types mirror columns have (test/db/catalog-schema.test.ts holds them to the migrated schema). */
export type PgType = 'text' | 'bigint' | 'integer' | 'numeric' | 'boolean' | 'jsonb' | 'timestamptz';

/**
 * Checks and converts one API value: undefined (the payload does not carry it) and null arrive
 * alike, so a parser says what a column holds, not whether the payload said it (map-row.ts
 * records that). Throws a FieldIssue (parsers.ts) saying what was expected.
 */
export type FieldParser<T> = (value: unknown) => T;

/**
 * How a column is sent in a push: `value` as stored (JSON), `unix-seconds` for a timestamptz, or
 * `own-endpoint` for one the API writes through a call of its own (a contact's archive state).
 */
export type PushAs = 'value' | 'unix-seconds' | 'own-endpoint';

export interface CatalogColumn<T = unknown> {
  readonly pg: PgType;
  /** false when the Postgres column is NOT NULL; nullable otherwise. */
  readonly nullable?: false;
  /**
   * Where the value is in a REST answer, as a dotted path (`plan.name`); defaults to the column's
   * name. What `verify` reads; the mapper reads it too unless `read` says otherwise.
   */
  readonly api?: string;
  /** Not an API field: the whole payload as received (`raw`), or its digest (`content_hash`). */
  readonly source?: 'payload' | 'digest';
  /** For the mapper, when a payload may carry the value in more than one shape; undefined = not carried. */
  readonly read?: (payload: Readonly<Record<string, unknown>>) => unknown;
  readonly parse?: FieldParser<T>;
  /** What the column holds when the API says null or nothing (custom_attributes: `{}`). */
  readonly nullAs?: JsonValue;
  /** Writable through the API, and how it is sent; absent for Intercom's own fields. */
  readonly push?: PushAs;
  /** false for a column `verify` does not compare (the key, the payload, values that churn). */
  readonly verify?: false;
  /** A null from the API means "not said": the upsert keeps the stored value, or inserts this. */
  readonly keepWhenNull?: { readonly insert: JsonPrimitive };
  /** What a record returned by list or search holds when its payload does not say (contacts' `archived`). */
  readonly listedAs?: JsonPrimitive;
}

type ValueOf<C> = C extends { readonly source: 'payload' }
  ? JsonObject
  : C extends { readonly source: 'digest' }
    ? string
    : C extends { readonly parse: FieldParser<infer T> }
      ? C extends { readonly nullAs: JsonValue }
        ? Exclude<T, null>
        : T
      : never;

/** The row a catalog's mapper produces: one property per column, typed by its parser. */
export type RowOf<Columns> = { readonly [K in keyof Columns]: ValueOf<Columns[K]> };

/** A column with its name and defaults resolved, in catalog order. */
export interface ResolvedColumn extends Omit<CatalogColumn, 'nullable' | 'verify'> {
  readonly name: string;
  readonly api: string;
  /** `api` split at its dots. */
  readonly path: readonly string[];
  readonly nullable: boolean;
  readonly verified: boolean;
}

export type ColumnMap = Readonly<Record<string, CatalogColumn>>;

export interface CatalogSpec<Columns extends ColumnMap> {
  /** The kind of record, as errors name it: contact, company, tag, segment. */
  readonly record: string;
  readonly table: `intercom.${string}`;
  /** Every column the sync fills, `intercom_id` first. */
  readonly columns: Columns;
  /** The table's other columns: the mirror's own bookkeeping, never read from Intercom, and why. */
  readonly local: Readonly<Record<string, string>>;
}

export interface Catalog<Columns extends ColumnMap = ColumnMap> extends CatalogSpec<Columns> {
  /** The columns in order, defaults resolved. */
  readonly list: readonly ResolvedColumn[];
  /** Columns the push may write (their names are also the request's field names). */
  readonly pushable: ReadonlySet<string>;
  /** Pushable columns sent as UNIX seconds. */
  readonly pushedAsSeconds: ReadonlySet<string>;
  /** Columns `verify` compares with Intercom. */
  readonly verified: readonly ResolvedColumn[];
}

/**
 * A catalog with its derived lists.
 * @example export const tagCatalog = defineCatalog({ record: 'tag', table: 'intercom.tags', columns: { … }, local: { … } });
 */
export function defineCatalog<Columns extends ColumnMap>(spec: CatalogSpec<Columns>): Catalog<Columns> {
  const list = Object.entries(spec.columns).map(([name, column]): ResolvedColumn => {
    const api = column.api ?? name;
    if (!column.source && !column.parse)
      throw new Error(`catalog ${spec.record}: column ${name} has no parser`);
    return {
      ...column,
      name,
      api,
      path: api.split('.'),
      nullable: column.nullable ?? true,
      verified: column.verify ?? !column.source,
    };
  });
  if (list[0]?.name !== 'intercom_id') throw new Error(`catalog ${spec.record}: intercom_id must come first`);
  const pushed = list.filter((c) => c.push);
  return {
    ...spec,
    list,
    pushable: new Set(pushed.map((c) => c.name)),
    pushedAsSeconds: new Set(pushed.filter((c) => c.push === 'unix-seconds').map((c) => c.name)),
    verified: list.filter((c) => c.verified),
  };
}
