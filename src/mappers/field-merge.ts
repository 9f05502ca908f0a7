// Decides, field by field, what a push sends: the local changes (from the outbox) against the state
// both sides last agreed on (the value before the first pending local change) and what Intercom
// has now (the snapshot: Intercom's state as the sync last saw it). Pure: no I/O
// (docs/design.md#principle-4).
import { CUSTOM_ATTRIBUTES, customAttributeField, nestFields, readField } from './field-path.js';
import { jsonEqual, ownValue } from './json.js';
import { unixSeconds } from './timestamp.js';

export type ConflictPolicy = 'newest-wins' | 'intercom-wins' | 'postgres-wins';

/** One captured local change (an outbox row). */
export interface LocalChange {
  readonly id: number;
  readonly op: 'insert' | 'update' | 'delete';
  readonly changedColumns: readonly string[];
  readonly oldData: Readonly<Record<string, unknown>> | null;
  readonly newData: Readonly<Record<string, unknown>> | null;
  readonly createdAt: Date;
}

/** A field changed on both sides, and which side was taken. */
export interface FieldConflict {
  readonly field: string;
  readonly base: unknown;
  readonly local: unknown;
  readonly remote: unknown;
  readonly policy: ConflictPolicy;
  readonly decision: 'local' | 'remote';
}

export interface FieldPlan {
  /** Field → value to send (custom attributes as `custom_attributes.<key>`). */
  readonly push: Readonly<Record<string, unknown>>;
  readonly conflicts: readonly FieldConflict[];
}

export interface MergeInput {
  readonly changes: readonly LocalChange[];
  /** Intercom's state as far as the sync has seen it (the snapshot). */
  readonly current: Readonly<Record<string, unknown>>;
  /** When Intercom last changed the record (the mirror's updated_at). */
  readonly remoteUpdatedAt: Date | null;
  /** Fields that can be written through the API; others are Intercom's alone. */
  readonly pushable: ReadonlySet<string>;
  /** Fields holding UNIX-second timestamps in the API (compared as instants). */
  readonly timestamps?: ReadonlySet<string>;
  readonly policyFor: (field: string) => ConflictPolicy;
}

/**
 * @example planFieldPush({ changes, current: row, remoteUpdatedAt: row.updated_at, pushable, policyFor: () => 'newest-wins' })
 */
export function planFieldPush(input: MergeInput): FieldPlan {
  const fields = new Map<string, { base: unknown; local: unknown; at: Date; between: unknown[] }>();
  for (const change of input.changes) {
    if (change.op !== 'update' && change.op !== 'insert') continue;
    for (const column of change.changedColumns) {
      if (!input.pushable.has(column)) continue;
      for (const [field, base, local] of expand(column, change.oldData?.[column], change.newData?.[column])) {
        const seen = fields.get(field);
        fields.set(field, {
          base: seen ? seen.base : base,
          local,
          at: change.createdAt,
          between: seen ? [...seen.between, seen.local] : [],
        });
      }
    }
  }
  const push: Record<string, unknown> = {};
  const conflicts: FieldConflict[] = [];
  const normal = (field: string, value: unknown) => normalise(value, input.timestamps?.has(field) ?? false);
  for (const [field, { base, local, at, between }] of fields) {
    const remote = readField(input.current, field);
    const [b, l, r] = [normal(field, base), normal(field, local), normal(field, remote)];
    if (same(l, r)) continue; // Intercom already has it (or both sides made the same change).
    // A value one of these changes set is an earlier push of ours whose write-back was lost (a
    // kill, a Postgres restart: docs/resilience.md#postgres-restarts), not an edit in Intercom.
    if (between.some((v) => same(normal(field, v), r))) {
      push[field] = l;
      continue;
    }
    const localChanged = !same(l, b);
    const remoteChanged = !same(r, b);
    if (!localChanged) continue; // Changed and changed back: Intercom's value stands.
    if (!remoteChanged) {
      push[field] = l;
      continue;
    }
    const policy = input.policyFor(field);
    const decision =
      policy === 'postgres-wins'
        ? 'local'
        : policy === 'intercom-wins'
          ? 'remote'
          : input.remoteUpdatedAt && input.remoteUpdatedAt.getTime() > at.getTime()
            ? 'remote'
            : 'local';
    conflicts.push({ field, base: b, local: l, remote: r, policy, decision });
    if (decision === 'local') push[field] = l;
  }
  return { push, conflicts };
}

/**
 * The fields a change wrote: its columns, custom attributes as `custom_attributes.<key>` per key
 * whose value it changed.
 * @example changedFields({ changedColumns: ['name'], oldData, newData, … }) // ['name']
 */
export function changedFields(change: Pick<LocalChange, 'changedColumns' | 'oldData' | 'newData'>): string[] {
  return change.changedColumns.flatMap((column) =>
    expand(column, change.oldData?.[column], change.newData?.[column]).map(([field]) => field),
  );
}

/** custom_attributes are merged per key: two sides changing different keys is no conflict. */
function expand(column: string, before: unknown, after: unknown): Array<[string, unknown, unknown]> {
  if (column !== CUSTOM_ATTRIBUTES) return [[column, before, after]];
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  // Own keys only: `toString` absent on one side is absent, not Object.prototype.toString.
  const at = (side: object, k: string) => ownValue(side, k) ?? null;
  return [...keys]
    .filter((k) => !same(at(b, k), at(a, k)))
    .map((k) => [customAttributeField(k), at(b, k), at(a, k)]);
}

function normalise(value: unknown, timestamp: boolean): unknown {
  if (value === undefined) return null;
  if (timestamp && value !== null) return unixSeconds(value) ?? value;
  return value instanceof Date ? unixSeconds(value) : value;
}

/** Equal as JSON (json.ts): key order ignored, so a jsonb value read back equals the one written. */
const same = jsonEqual;

/** Turns a plan's flat fields into an API body (custom attributes nested again). */
export function toApiBody(push: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return nestFields(push);
}
