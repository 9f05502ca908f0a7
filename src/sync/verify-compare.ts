// The pure half of verify: how Intercom's payload and the stored row are compared, column by column
// through the entity's catalog, and how a record, its links and its notes become differences. No
// I/O, so every rule here is one place.
//
// Verify is the tests' oracle, so it does not map payloads with the sync's mapper (a mapper bug
// would then agree with itself): each compared column's value is read from the payload at its
// API path and compared with the stored value by the column's Postgres type, with rules of its own.
import type { Catalog, ResolvedColumn } from '../mappers/catalog/column.js';
import { valueAt } from '../mappers/catalog/map-row.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import { canonicalJson } from '../mappers/json.js';
import type { ReferenceList } from '../mappers/rows.js';
import type { Difference, VerifiedEntity, VerifyReport } from './verify.js';
import type { StoredRow } from '../db/verify-read.js';

/** Collects differences: counts every one, keeps the first `limit`. */
export class Differences {
  readonly listed: Difference[] = [];
  total = 0;
  readonly #byKind = { missing: 0, extra: 0, stale: 0 };
  readonly #byEntity: Partial<Record<VerifiedEntity, number>> = {};
  constructor(private readonly limit: number) {}

  add(difference: Difference): void {
    this.total++;
    this.#byKind[difference.kind]++;
    this.#byEntity[difference.entity] = (this.#byEntity[difference.entity] ?? 0) + 1;
    if (this.listed.length < this.limit) this.listed.push(difference);
  }

  counts(): VerifyReport['counts'] {
    return { total: this.total, ...this.#byKind, byEntity: { ...this.#byEntity } };
  }
}

/** A payload read from Intercom, with what verify read from it besides its columns (its lists). */
export interface Read<T> {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly value: T;
}

/**
 * Reads each payload's id and lists (`read`, e.g. mapContactLists); one it cannot read is
 * reported rather than thrown: the sync skips such a payload, so the mirror cannot hold it.
 */
export function readAll<T>(
  payloads: readonly unknown[],
  read: (p: unknown) => T,
  entity: VerifiedEntity,
  found: Differences,
): Read<T>[] {
  const out: Read<T>[] = [];
  for (const payload of payloads) {
    try {
      out.push({ payload: payload as Record<string, unknown>, value: read(payload) });
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      found.add({
        entity,
        intercom_id: error.recordId ?? '(no id)',
        kind: 'missing',
        field: error.field,
        intercom: error.message,
      });
    }
  }
  return out;
}

/** One record to compare: Intercom's payload and the row stored for it. */
export interface RowPair {
  readonly entity: VerifiedEntity;
  readonly catalog: Catalog;
  readonly id: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly stored: StoredRow | undefined;
  /** The payload came from list or search, which return only active records (the catalog's `listedAs`). */
  readonly listed?: boolean;
}

/**
 * Compares the catalog's verified columns of one payload (never `raw`) with its stored row.
 * Returns whether the row is there (live) to compare links and notes with.
 * @example if (compareRow(found, { entity: 'contacts', catalog: contactCatalog, id, payload, stored, listed: true })) …
 */
export function compareRow(found: Differences, pair: RowPair): boolean {
  const { entity, catalog, id, payload, stored } = pair;
  if (!stored || stored.deleted_at !== null) {
    found.add({
      entity,
      intercom_id: id,
      kind: 'missing',
      ...(stored && { postgres: { deleted_at: stored.deleted_at } }),
    });
    return false;
  }
  for (const column of catalog.verified) {
    const intercom = intercomValue(column, payload, pair.listed ?? false);
    if (comparable(column, intercom, 'intercom') !== comparable(column, stored[column.name], 'postgres')) {
      found.add({
        entity,
        intercom_id: id,
        kind: 'stale',
        field: column.name,
        intercom: shown(column, intercom),
        postgres: stored[column.name] ?? null,
      });
    }
  }
  return true;
}

/** What Intercom says a column holds: the value at its API path, or what saying nothing means. */
function intercomValue(
  column: ResolvedColumn,
  payload: Readonly<Record<string, unknown>>,
  listed: boolean,
): unknown {
  const value = valueAt(payload, column.path);
  if (value === undefined && listed && column.listedAs !== undefined) return column.listedAs;
  if (value === null || value === undefined) return column.nullAs ?? null;
  return value;
}

/**
 * A value in a form equal for equal values of the column's Postgres type: text exactly, numbers by
 * value, booleans, jsonb as canonical JSON (mappers/json.ts), timestamps by the UNIX second —
 * Intercom's as seconds or an ISO string, where 0 means never; Postgres' a Date. A value of the
 * wrong type on either side gets a form that equals nothing the other side can hold.
 */
function comparable(column: ResolvedColumn, value: unknown, side: 'intercom' | 'postgres'): string {
  if (value === null || value === undefined) return 'null';
  // Names its side, so it equals nothing the other side yields.
  const wrong = () => `${side}:${typeof value}:${canonicalJson(value)}`;
  switch (column.pg) {
    case 'text':
      return typeof value === 'string' ? `text:${value}` : wrong();
    case 'bigint':
    case 'integer':
    case 'numeric': {
      const n =
        typeof value === 'number'
          ? value
          : side === 'postgres' && typeof value === 'string'
            ? Number(value)
            : NaN;
      return Number.isFinite(n) ? `number:${n}` : wrong();
    }
    case 'boolean':
      return typeof value === 'boolean' ? `boolean:${value}` : wrong();
    case 'jsonb':
      return typeof value === 'object' ? `json:${canonicalJson(withoutNullKeys(value))}` : wrong();
    case 'timestamptz': {
      const seconds = secondsOf(value, side);
      return seconds === undefined ? wrong() : seconds === null ? 'null' : `second:${seconds}`;
    }
  }
}

/**
 * An object without its null-valued keys: a key Intercom sends as null says what a key it leaves
 * out says. Webhook items carry keys the REST answer omits, as null (a contact's
 * `location.country_code`, `continent_code`: docs/intercom-api.md#webhook-item-shapes), so a row
 * last written from a webhook is not stale against the REST read for that.
 */
function withoutNullKeys(value: object): unknown {
  if (Array.isArray(value) || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** The UNIX second of a timestamp; null for Intercom's "never" (0); undefined when it is none. */
function secondsOf(value: unknown, side: 'intercom' | 'postgres'): number | null | undefined {
  let ms: number;
  if (side === 'postgres') ms = value instanceof Date ? value.getTime() : NaN;
  else if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string' && /T\d\d:\d\d/.test(value)) ms = Date.parse(value);
  else ms = NaN;
  if (!Number.isFinite(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return side === 'intercom' && seconds === 0 ? null : seconds;
}

/** Intercom's value as a difference shows it: a timestamp as a Date, like the stored one. */
function shown(column: ResolvedColumn, value: unknown): unknown {
  if (column.pg !== 'timestamptz' || value === null) return value;
  const seconds = secondsOf(value, 'intercom');
  return seconds === undefined ? value : seconds === null ? null : new Date(seconds * 1000);
}

export function compareLinks(
  found: Differences,
  entity: VerifiedEntity,
  parent: string,
  intercom: readonly string[],
  postgres: readonly string[],
) {
  const remote = new Set(intercom);
  const local = new Set(postgres);
  for (const child of remote)
    if (!local.has(child)) found.add({ entity, intercom_id: parent, kind: 'missing', intercom: child });
  for (const child of local)
    if (!remote.has(child)) found.add({ entity, intercom_id: parent, kind: 'extra', postgres: child });
}

/**
 * Notes are checked against what the contact embeds (count and the ids shown) without a call per
 * contact: notes cannot be edited, so a matching count and ids means the same notes.
 */
export function compareNotes(
  found: Differences,
  contact: string,
  notes: ReferenceList,
  stored: readonly string[],
) {
  const have = new Set(stored);
  for (const ref of notes.refs) {
    if (!have.has(ref.intercomId))
      found.add({
        entity: 'notes',
        intercom_id: ref.intercomId,
        kind: 'missing',
        field: `contact ${contact}`,
      });
  }
  const total = notes.totalCount ?? notes.refs.length;
  if (total !== stored.length) {
    found.add({
      entity: 'notes',
      intercom_id: contact,
      kind: 'stale',
      field: 'count',
      intercom: total,
      postgres: stored.length,
    });
  }
}
