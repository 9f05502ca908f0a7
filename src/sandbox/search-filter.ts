// Contact search filters: validation with the API's errors and limits, and compilation into a
// predicate with the live semantics, notably dates compared by UTC day
// (docs/intercom-api.md#timestamps-compare-by-day).
import { ApiError } from './errors.js';
import type { ContactRecord, SegmentRecord } from './model.js';

type FieldKind = 'string' | 'integer' | 'float' | 'date' | 'boolean' | 'tag' | 'segment';
type Value = string | number | boolean | null;

export interface FieldSpec {
  readonly kind: FieldKind;
  readonly get: (c: ContactRecord) => Value;
}

const DAY = 86_400;
/**
 * "max 2 nested filters" and "max 15 filters for each AND or OR group"
 * (docs/intercom-api.md#search-operators-and-limits).
 */
export const MAX_GROUP_DEPTH = 2;
export const MAX_GROUP_SIZE = 15;

const OPERATORS: Record<FieldKind, readonly string[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  integer: ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<='],
  float: ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<='],
  // Date fields support only =, < and > (docs/intercom-api.md#search-operators-and-limits).
  date: ['=', '<', '>'],
  boolean: ['=', '!=', 'IN', 'NIN'],
  tag: ['=', '!='],
  segment: ['=', '!='],
};

const STRING_FIELDS = [
  'id',
  'role',
  'name',
  'avatar',
  'email',
  'phone',
  'external_id',
  'language_override',
  'browser',
  'browser_version',
  'browser_language',
  'os',
] as const;
const DATE_FIELDS = [
  'created_at',
  'signed_up_at',
  'updated_at',
  'last_seen_at',
  'last_contacted_at',
  'last_replied_at',
  'last_email_opened_at',
  'last_email_clicked_at',
] as const;
const BOOLEAN_FIELDS = ['unsubscribed_from_emails', 'marked_email_as_spam', 'has_hard_bounced'] as const;
const MOBILE_STRINGS = [
  'android_app_name',
  'android_app_version',
  'android_device',
  'android_os_version',
  'android_sdk_version',
  'ios_app_name',
  'ios_app_version',
  'ios_device',
  'ios_os_version',
  'ios_sdk_version',
] as const;

/**
 * The searchable fields (docs/intercom-api.md#search-operators-and-limits, OAS-2.7 list), custom attributes
 * resolved per workspace.
 */
export function buildFieldCatalog(
  customAttributes: Iterable<{ name: string; type: FieldKind }>,
): Map<string, FieldSpec> {
  const fields = new Map<string, FieldSpec>();
  for (const f of STRING_FIELDS) fields.set(f, { kind: 'string', get: (c) => c[f] });
  for (const f of DATE_FIELDS) fields.set(f, { kind: 'date', get: (c) => c[f] });
  for (const f of BOOLEAN_FIELDS) fields.set(f, { kind: 'boolean', get: (c) => c[f] });
  for (const f of MOBILE_STRINGS) fields.set(f, { kind: 'string', get: (c) => c.mobile?.[f] ?? null });
  fields.set('android_last_seen_at', { kind: 'date', get: (c) => c.mobile?.android_last_seen_at ?? null });
  fields.set('ios_last_seen_at', { kind: 'date', get: (c) => c.mobile?.ios_last_seen_at ?? null });
  fields.set('owner_id', { kind: 'integer', get: (c) => c.owner_id });
  fields.set('email_domain', {
    kind: 'string',
    get: (c) => (c.email ? c.email.slice(c.email.indexOf('@') + 1) : null),
  });
  for (const part of ['country', 'region', 'city'] as const) {
    fields.set(`location.${part}`, { kind: 'string', get: (c) => c.location[part] });
  }
  fields.set('tag_id', { kind: 'tag', get: () => null });
  fields.set('segment_id', { kind: 'segment', get: () => null });
  for (const attr of customAttributes) {
    fields.set(`custom_attributes.${attr.name}`, {
      kind: attr.type,
      get: (c) => c.custom_attributes[attr.name] ?? null,
    });
  }
  return fields;
}

export type Predicate = (c: ContactRecord) => boolean;

export interface FilterContext {
  readonly fields: ReadonlyMap<string, FieldSpec>;
  readonly segments: ReadonlyMap<string, SegmentRecord>;
  /** Compiles a segment's own rule (segments are rules in the same language). */
  readonly segmentPredicate: (segment: SegmentRecord) => Predicate;
}

const invalidQuery = (): ApiError =>
  new ApiError(
    400,
    'invalid_query',
    "Invalid query. Ensure 'field', 'operator', 'value' are present for field queries. Ensure 'operator' and 'value' for composite queries.",
  );

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a filter tree and compiles it; throws the API's 400s for anything it would refuse. */
export function compileFilter(node: unknown, ctx: FilterContext, depth = 0): Predicate {
  if (!isObject(node)) throw invalidQuery();
  if ('field' in node) return compileSingle(node, ctx);
  const { operator, value } = node;
  if (operator === undefined || value === undefined) throw invalidQuery();
  if (operator !== 'AND' && operator !== 'OR') {
    throw new ApiError(400, 'invalid_operator', 'Composite operators must be of type AND or OR ');
  }
  if (!Array.isArray(value) || value.length === 0) throw invalidQuery();
  if (depth + 1 > MAX_GROUP_DEPTH) {
    throw new ApiError(
      400,
      'invalid_values',
      `Value depth exceeds ${MAX_GROUP_DEPTH} levels of nested filters`,
    );
  }
  if (value.length > MAX_GROUP_SIZE) {
    throw new ApiError(
      400,
      'invalid_value',
      `Number of elements in composite query is greater than ${MAX_GROUP_SIZE}, please try again with a smaller list`,
    );
  }
  const parts = value.map((child) => compileFilter(child, ctx, depth + 1));
  return operator === 'AND' ? (c) => parts.every((p) => p(c)) : (c) => parts.some((p) => p(c));
}

function compileSingle(node: Record<string, unknown>, ctx: FilterContext): Predicate {
  const { field, operator, value } = node;
  if (typeof field !== 'string' || typeof operator !== 'string' || !('value' in node)) throw invalidQuery();
  const spec = ctx.fields.get(field);
  if (!spec) throw new ApiError(400, 'invalid_field', `${field} is not a valid field`);
  if (!OPERATORS[spec.kind].includes(operator)) {
    throw new ApiError(400, 'invalid_operator', `${field} does not support operator: ${operator}`);
  }
  const list = operator === 'IN' || operator === 'NIN';
  if (list !== Array.isArray(value)) {
    throw new ApiError(
      400,
      'invalid_value',
      `${JSON.stringify(value)} is not a valid ${list ? 'array' : spec.kind}`,
    );
  }
  for (const v of list ? (value as unknown[]) : [value]) checkValue(v, spec.kind, operator);

  if (spec.kind === 'tag') {
    const want = value as string;
    return operator === '=' ? (c) => c.tagIds.includes(want) : (c) => !c.tagIds.includes(want);
  }
  if (spec.kind === 'segment') {
    const segment = ctx.segments.get(value as string);
    const inSegment = segment ? ctx.segmentPredicate(segment) : () => false;
    return operator === '=' ? inSegment : (c) => !inSegment(c);
  }
  const get = spec.get;
  if (spec.kind === 'date') return compileDate(get, operator, value as number);
  if (spec.kind === 'string') return compileString(get, field, operator, value);
  return compileScalar(get, operator, value);
}

function checkValue(v: unknown, kind: FieldKind, operator: string): void {
  if (v === null && (operator === '=' || operator === '!=')) return;
  const ok =
    kind === 'string' || kind === 'tag' || kind === 'segment'
      ? typeof v === 'string'
      : kind === 'boolean'
        ? typeof v === 'boolean'
        : kind === 'float'
          ? typeof v === 'number' && Number.isFinite(v)
          : Number.isInteger(v);
  if (!ok) {
    const name = kind === 'tag' || kind === 'segment' ? 'string' : kind === 'date' ? 'integer' : kind;
    throw new ApiError(400, 'invalid_value', `${JSON.stringify(v)} is not a valid ${name}`);
  }
}

/**
 * Timestamps are indexed as dates: the value is cut to its UTC day, `>` means from the next
 * midnight, `<` before that day, `=` within it (docs/intercom-api.md#timestamps-compare-by-day).
 */
export function dayRange(operator: string, value: number): { lo: number; hi: number } {
  const dayStart = Math.floor(value / DAY) * DAY;
  if (operator === '>') return { lo: dayStart + DAY, hi: Infinity };
  if (operator === '<') return { lo: -Infinity, hi: dayStart };
  return { lo: dayStart, hi: dayStart + DAY };
}

function compileDate(get: FieldSpec['get'], operator: string, value: number | null): Predicate {
  if (value === null) return operator === '=' ? (c) => get(c) === null : (c) => get(c) !== null;
  const { lo, hi } = dayRange(operator, value);
  return (c) => {
    const v = get(c);
    return typeof v === 'number' && v >= lo && v < hi;
  };
}

function compileString(get: FieldSpec['get'], field: string, operator: string, value: unknown): Predicate {
  // Emails match case-insensitively; the text operators always do.
  const fold = field === 'email' || field === 'email_domain';
  const norm = (v: Value): string | null => (typeof v === 'string' ? (fold ? v.toLowerCase() : v) : null);
  if (operator === 'IN' || operator === 'NIN') {
    const set = new Set((value as string[]).map((v) => (fold ? v.toLowerCase() : v)));
    const inSet: Predicate = (c) => {
      const v = norm(get(c));
      return v !== null && set.has(v);
    };
    return operator === 'IN' ? inSet : (c) => !inSet(c);
  }
  if (operator === '=' || operator === '!=') {
    const want = value === null ? null : norm(value as string);
    return operator === '=' ? (c) => norm(get(c)) === want : (c) => norm(get(c)) !== want;
  }
  const needle = (value as string).toLowerCase();
  const test =
    operator === '^'
      ? (s: string) => s.startsWith(needle)
      : operator === '$'
        ? (s: string) => s.endsWith(needle)
        : (s: string) => s.includes(needle);
  if (operator === '!~')
    return (c) => {
      const v = get(c);
      return typeof v !== 'string' || !test(v.toLowerCase());
    };
  return (c) => {
    const v = get(c);
    return typeof v === 'string' && test(v.toLowerCase());
  };
}

function compileScalar(get: FieldSpec['get'], operator: string, value: unknown): Predicate {
  switch (operator) {
    case '=':
      return (c) => get(c) === value;
    case '!=':
      return (c) => get(c) !== value;
    case 'IN':
    case 'NIN': {
      const set = new Set(value as Value[]);
      return operator === 'IN' ? (c) => set.has(get(c)) : (c) => !set.has(get(c));
    }
    default: {
      const n = value as number;
      const cmp =
        operator === '>'
          ? (v: number) => v > n
          : operator === '<'
            ? (v: number) => v < n
            : operator === '>='
              ? (v: number) => v >= n
              : (v: number) => v <= n;
      return (c) => {
        const v = get(c);
        return typeof v === 'number' && cmp(v);
      };
    }
  }
}
