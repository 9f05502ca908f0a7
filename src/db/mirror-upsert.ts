// One multi-row INSERT … ON CONFLICT per batch that writes only rows that are newer and different.
import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { withSyncWrites, type Executor } from './sync-writes.js';
import type { Catalog, PgType } from '../mappers/catalog/column.js';
import type { JsonPrimitive } from '../mappers/json.js';
import { toJsonParameter } from './json-parameter.js';

export type MirrorTableName =
  | 'intercom.contacts'
  | 'intercom.companies'
  | 'intercom.tags'
  | 'intercom.segments'
  | 'intercom.notes'
  | 'intercom.data_attributes'
  | 'intercom.admins'
  | 'intercom.teams';

export interface MirrorColumn<Row> {
  readonly name: keyof Row & string;
  readonly type: PgType;
  /** A null from the API means "not said": keep the stored value, or insert this (contacts' `archived`). */
  readonly keepWhenNull?: { readonly insert: JsonPrimitive };
  /** Describes the row instead of being part of it (contacts' `content_hash`): written with the row, never a reason to write it. */
  readonly digest?: true;
  /** The payload the row was mapped from (`raw`): a reason to write a read's row, not an item's (UpsertOptions.absent). */
  readonly payload?: true;
}

/** How a mirror table is upserted; the column names are constants of this code, never input. */
export interface MirrorTableSpec<Row> {
  readonly table: MirrorTableName & keyof Database;
  /** Every column the API fills, `intercom_id` first. */
  readonly columns: readonly MirrorColumn<Row>[];
  /** The table keeps the remote clock in `updated_at`: an older payload never overwrites a newer row. */
  readonly ordered: boolean;
  /** Set to null when a soft-deleted row comes back alive (`deleted_at`, `merged_into_id`). */
  readonly revive: readonly string[];
  /**
   * The entity whose agreed snapshots (intercom_sync.snapshots) the table's rows have: a row in the
   * same second as its snapshot may be the answer of our own push, which an item of that second
   * cannot be ordered against (UpsertOptions.tied).
   */
  readonly snapshots?: 'contact' | 'company';
  /** A local foreign key found from an Intercom id in the row (a note's contact). */
  readonly parent?: {
    readonly column: string;
    readonly key: keyof Row & string;
    readonly table: MirrorTableName;
  };
}

/**
 * The upsert's columns for an entity's catalog (mappers/catalog): each column's name and type, the
 * "not said" rule, and the digest, in catalog order (`intercom_id` first).
 * @example columns: catalogColumns<ContactRow>(contactCatalog)
 */
export function catalogColumns<Row>(catalog: Catalog): MirrorColumn<Row>[] {
  return catalog.list.map((c) => ({
    name: c.name as keyof Row & string,
    type: c.pg,
    ...(c.keepWhenNull && { keepWhenNull: c.keepWhenNull }),
    ...(c.source === 'digest' && { digest: true as const }),
    ...(c.source === 'payload' && { payload: true as const }),
  }));
}

export interface UpsertCounts {
  readonly inserted: number;
  readonly updated: number;
  /** Rows already stored as received, older than what is stored, or repeated in the input. */
  readonly unchanged: number;
  /** Rows whose parent is not mirrored (a note of an unknown contact): not written. */
  readonly unresolved: number;
}

export interface UpsertOptions {
  /** Rows per statement; 1000 measured fastest on bench/pg-upsert.ts. */
  readonly batchSize?: number;
  /**
   * The rows are partial views (webhook items): per row, the columns its payload did not carry
   * (MappedRow.absent). Those keep the stored value (docs/design.md#principle-8), and the payload
   * column is written along with a change but is no change itself: an item never carries what a
   * REST read does, so a row equal in every column is left alone.
   */
  readonly absent?: ReadonlyMap<object, readonly string[]>;
  /**
   * The rows were read after the stored ones were written (a re-read of a tied row): an equal
   * `updated_at` is then no older, also against our own push of that second.
   */
  readonly fresh?: boolean;
  /**
   * Told the ids of rows not written because they tie, at Intercom's whole seconds, the stored
   * row's `updated_at` while that is the second of the row's agreed snapshot (our push's answer, or
   * the state a local change started from): an echo of an earlier push of that second, or a remote
   * change made right after ours, and nothing in the payload tells which. Only a read made now can
   * (re-read them with `fresh`). They are counted as unchanged.
   */
  readonly tied?: (intercomIds: readonly string[]) => void;
}

export const DEFAULT_BATCH_SIZE = 1000;

/** The input column listing a partial row's absent columns (never a table column). */
const ABSENT = '__absent';

export function emptyCounts(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0, unresolved: 0 };
}

export function addCounts(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  return {
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    unresolved: a.unresolved + b.unresolved,
  };
}

/**
 * Upserts rows by `intercom_id` in batches, each in a sync-marked transaction (or the caller's).
 * @example const counts = await upsertMirrorRows(db, contactsTable, rows);
 */
export async function upsertMirrorRows<Row extends { readonly intercom_id: string }>(
  db: Executor,
  spec: MirrorTableSpec<Row>,
  rows: readonly Row[],
  options: UpsertOptions = {},
): Promise<UpsertCounts> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let total = emptyCounts();
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const counts = await withSyncWrites(db, (trx) => upsertBatch(trx, spec, batch, options));
    total = addCounts(total, counts);
  }
  return total;
}

async function upsertBatch<Row extends { readonly intercom_id: string }>(
  db: Executor,
  spec: MirrorTableSpec<Row>,
  batch: readonly Row[],
  options: UpsertOptions,
): Promise<UpsertCounts> {
  const { absent } = options;
  const rows = newestPerId(batch, spec.ordered);
  const input = absent ? rows.map((r) => ({ ...r, [ABSENT]: absent.get(r) ?? [] })) : rows;
  const { text, parameters, rowsAt } = upsertStatement(db, spec, {
    partial: absent !== undefined,
    fresh: options.fresh === true,
  });
  const values = [...parameters];
  values[rowsAt] = toJsonParameter(input);
  const result = await db.executeQuery<UpsertRow>(CompiledQuery.raw(text, values));
  const { resolved, inserted, updated, tied } = result.rows[0]!;
  if (tied.length > 0) options.tied?.(tied);
  return {
    inserted,
    updated,
    unchanged: batch.length - inserted - updated - (rows.length - resolved),
    unresolved: rows.length - resolved,
  };
}

interface UpsertRow {
  readonly resolved: number;
  readonly inserted: number;
  readonly updated: number;
  readonly tied: string[];
}

interface StatementMode {
  /** The rows are partial (UpsertOptions.absent). */
  readonly partial: boolean;
  /** UpsertOptions.fresh. */
  readonly fresh: boolean;
}

interface UpsertStatement {
  readonly text: string;
  readonly parameters: readonly unknown[];
  /** Where in `parameters` the rows' JSON goes; every other parameter is a constant of the spec. */
  readonly rowsAt: number;
}

/** Compiled once per table and mode: building it is most of a small batch's CPU (webhook groups). */
const statements = new WeakMap<object, Map<string, UpsertStatement>>();

/** Stands for the rows' JSON while the statement is compiled; found again among its parameters. */
const ROWS = Symbol('rows');

function upsertStatement<Row extends { readonly intercom_id: string }>(
  db: Executor,
  spec: MirrorTableSpec<Row>,
  mode: StatementMode,
): UpsertStatement {
  const modes = statements.get(spec) ?? new Map<string, UpsertStatement>();
  statements.set(spec, modes);
  const key = `${mode.partial}:${mode.fresh}`;
  const cached = modes.get(key);
  if (cached) return cached;
  const compiled = buildUpsert(spec, mode).compile(db);
  const rowsAt = compiled.parameters.indexOf(ROWS);
  if (rowsAt < 0 || compiled.parameters.lastIndexOf(ROWS) !== rowsAt)
    throw new Error(`the upsert of ${spec.table} must read its rows once`);
  const statement = { text: compiled.sql, parameters: compiled.parameters, rowsAt };
  modes.set(key, statement);
  return statement;
}

/** The statement that upserts a batch: rows come as one jsonb parameter (ROWS), constants inline or as parameters. */
function buildUpsert<Row extends { readonly intercom_id: string }>(
  spec: MirrorTableSpec<Row>,
  mode: StatementMode,
): RawBuilder<UpsertRow> {
  const absent = mode.partial || undefined;
  const table = sql.table(spec.table);
  const columns = spec.columns.map((c) => c.name as string);
  const parent = spec.parent;
  const definitions = sql.join([
    ...spec.columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(c.type)}`),
    ...(absent ? [sql`${sql.id(ABSENT)} text[]`] : []),
  ]);
  const written = parent ? [...columns.filter((c) => c !== parent.key), parent.column] : columns;
  const source = parent
    ? sql`select ${sql.join(written.map((c) => (c === parent.column ? sql`p.id as ${sql.id(c)}` : sql.ref(`r.${c}`))))}
          from jsonb_to_recordset(${ROWS}::jsonb) as r(${definitions})
          join ${sql.table(parent.table)} p on p.intercom_id = ${sql.ref(`r.${parent.key}`)}`
    : sql`select * from jsonb_to_recordset(${ROWS}::jsonb) as r(${definitions})`;
  const digests = new Set(
    spec.columns.flatMap((c) => (c.digest || (absent && c.payload) ? [c.name as string] : [])),
  );
  const compared = written.filter((c) => !digests.has(c));
  const keep = new Map(
    spec.columns.flatMap((c) => (c.keepWhenNull ? [[c.name as string, sql.lit(c.keepWhenNull.insert)]] : [])),
  );
  // Whether the incoming row did not carry column c: `s` has the list; ON CONFLICT's `excluded`
  // row does not, so it is looked up in `s` by id.
  const isAbsent = (alias: string, c: string): RawBuilder<boolean> =>
    alias === 's'
      ? sql<boolean>`${sql.ref(`s.${ABSENT}`)} @> array[${c}]::text[]`
      : sql<boolean>`exists (select 1 from s a where a.intercom_id = ${sql.ref(`${alias}.intercom_id`)}
          and ${sql.ref(`a.${ABSENT}`)} @> array[${c}]::text[])`;
  const given = (alias: string, stored: string, c: string): RawBuilder<unknown> =>
    keep.has(c)
      ? sql`coalesce(${sql.ref(`${alias}.${c}`)}, ${sql.ref(`${stored}.${c}`)})`
      : sql.ref(`${alias}.${c}`);
  const incoming = (alias: string, stored: string, c: string): RawBuilder<unknown> =>
    absent && !digests.has(c) && c !== 'intercom_id'
      ? sql`case when ${isAbsent(alias, c)} then ${sql.ref(`${stored}.${c}`)} else ${given(alias, stored, c)} end`
      : given(alias, stored, c);
  // Applies when the incoming row is not older (docs/design.md#principle-2) and differs from the stored one,
  // or revives a soft-deleted row. Rows that do not apply are never touched: not even locked.
  const changes = (stored: string, alias: string): RawBuilder<unknown> => {
    const newer = spec.ordered
      ? sql`(${sql.ref(`${stored}.updated_at`)} is null or ${sql.ref(`${alias}.updated_at`)} >= ${sql.ref(`${stored}.updated_at`)})`
      : sql`true`;
    const differs = sql`(${sql.join(compared.map((c) => sql.ref(`${stored}.${c}`)))}) is distinct from (${sql.join(
      compared.map((c) => incoming(alias, stored, c)),
    )})`;
    const revived = spec.revive.map((c) => sql` or ${sql.ref(`${stored}.${c}`)} is not null`);
    return sql`(${newer} and (${differs}${sql.join(revived, sql``)}))`;
  };
  // Except a tie with the second of the row's agreed snapshot, which only a fresh read settles
  // (UpsertOptions.tied; docs/local-changes.md#same-second-echoes).
  const snapshotEntity = spec.ordered && !mode.fresh ? spec.snapshots : undefined;
  const tie = (stored: string, alias: string): RawBuilder<unknown> =>
    sql`(${sql.ref(`${alias}.updated_at`)} = ${sql.ref(`${stored}.updated_at`)} and exists (
      select 1 from intercom_sync.snapshots n
      where n.entity = ${sql.lit(snapshotEntity ?? '')} and n.row_id = ${sql.ref(`${stored}.id`)}
        and n.remote_updated_at = ${sql.ref(`${stored}.updated_at`)}))`;
  const applies = (stored: string, alias: string): RawBuilder<unknown> =>
    snapshotEntity ? sql`(${changes(stored, alias)} and not ${tie(stored, alias)})` : changes(stored, alias);
  const tied = snapshotEntity
    ? sql`select s.intercom_id from s join ${table} t on t.intercom_id = s.intercom_id
          where ${changes('t', 's')} and ${tie('t', 's')}`
    : sql`select null::text as intercom_id where false`;
  const assignments = (alias: string): RawBuilder<unknown> =>
    sql.join([
      ...written
        .filter((c) => c !== 'intercom_id')
        .map((c) => sql`${sql.id(c)} = ${incoming(alias, 't', c)}`),
      ...spec.revive.map((c) => sql`${sql.id(c)} = null`),
    ]);
  const insertedValues = written.map((c) =>
    keep.has(c) ? sql`coalesce(${sql.ref(`s.${c}`)}, ${keep.get(c)!})` : sql.ref(`s.${c}`),
  );
  // Existing rows are updated in place and new ones inserted, in one statement (one snapshot).
  // ON CONFLICT only catches a row another writer inserted meanwhile; a plain upsert would send
  // every existing row through it, which locks (and so writes) even the unchanged ones.
  return sql<UpsertRow>`
    with s as (${source}),
    tied as (${tied}),
    updated as (
      update ${table} t set ${assignments('s')}
      from s where t.intercom_id = s.intercom_id and ${applies('t', 's')}
      returning 1
    ),
    inserted as (
      insert into ${table} as t (${sql.join(written.map((c) => sql.id(c)))})
      select ${sql.join(insertedValues)} from s
      where not exists (select 1 from ${table} x where x.intercom_id = s.intercom_id)
      on conflict (intercom_id) do update set ${assignments('excluded')}
      where ${applies('t', 'excluded')}
      returning (xmax = 0) as fresh
    )
    select (select count(*) from s)::int as resolved,
           (select count(*) from inserted where fresh)::int as inserted,
           ((select count(*) from updated) + (select count(*) from inserted where not fresh))::int as updated,
           (select coalesce(array_agg(intercom_id order by intercom_id), '{}') from tied)::text[] as tied`;
}

/** One row per id (a statement may not write a row twice): the newest, else the last seen. */
function newestPerId<Row extends { readonly intercom_id: string }>(
  batch: readonly Row[],
  ordered: boolean,
): Row[] {
  const byId = new Map<string, Row>();
  for (const row of batch) {
    const seen = byId.get(row.intercom_id);
    if (!seen || !ordered || updatedAt(row) >= updatedAt(seen)) byId.set(row.intercom_id, row);
  }
  // In id order, so concurrent batches lock shared rows in one order (no deadlocks between them).
  return [...byId.values()].sort((a, b) =>
    a.intercom_id < b.intercom_id ? -1 : a.intercom_id > b.intercom_id ? 1 : 0,
  );
}

function updatedAt(row: object): number {
  const value = (row as { updated_at?: Date | null }).updated_at;
  return value ? value.getTime() : -Infinity;
}
