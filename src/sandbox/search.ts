// Runs contact search: body validation, sort, body pagination with stateless cursors, and the
// index plan (walk an ordered index, narrowed by created_at/updated_at ranges) that keeps a
// 150-contact page over 100k contacts in milliseconds.
import { decodeCursor, encodeCursor, type CursorPosition } from './cursor.js';
import { ApiError } from './errors.js';
import type { ContactRecord, SegmentRecord } from './model.js';
import { INDEXED_FIELDS, type IndexedField, type SearchIndex } from './search-index.js';
import {
  buildFieldCatalog,
  compileFilter,
  dayRange,
  type FieldSpec,
  type FilterContext,
  type Predicate,
} from './search-filter.js';
import { compareKeys, type SortValue } from './sorted-index.js';
import type { Store } from './store.js';

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 150;
/** Queries whose counts are kept: more than the partitions a full sync reads at once. */
const CACHED_QUERIES = 256;

export interface SearchPage {
  readonly contacts: ContactRecord[];
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
  readonly next: string | null;
}

interface Range {
  lo: number;
  hi: number;
}

/**
 * Search over one store; holds the compiled segment rules and a cache of counts per query: a full
 * sync reads dozens of partitions at once, and recounting a partition for each of its pages would
 * cost the sandbox a scan of it per page.
 */
export class ContactSearch {
  private readonly ctx: FilterContext;
  private readonly segmentRules = new Map<string, Predicate>();
  private readonly cache = new Map<string, { version: number; total: number; sorted?: string[] }>();

  constructor(private readonly store: Store) {
    // A datetime attribute is searched like a date (both hold UNIX seconds).
    const fields = buildFieldCatalog(
      [...store.contactAttributes.values()].map((d) => ({
        name: d.name,
        type: d.type === 'datetime' ? ('date' as const) : d.type,
      })),
    );
    this.ctx = {
      fields,
      segments: store.segments,
      segmentPredicate: (segment) => this.segmentPredicate(segment),
    };
  }

  /** Whether a contact belongs to a segment (segments are search rules, evaluated live). */
  segmentPredicate(segment: SegmentRecord): Predicate {
    let rule = this.segmentRules.get(segment.id);
    if (!rule) this.segmentRules.set(segment.id, (rule = compileFilter(segment.rule, this.ctx)));
    return rule;
  }

  search(body: unknown): SearchPage {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiError(400, 'bad_request', 'invalid body');
    const request = body as Record<string, unknown>;
    for (const key of Object.keys(request)) {
      if (!['query', 'pagination', 'sort'].includes(key))
        throw new ApiError(400, 'bad_request', `bad '${key}' parameter`);
    }
    const predicate = compileFilter(request.query, this.ctx);
    const { field: sortField, spec: sortSpec, descending } = this.parseSort(request.sort);
    const { perPage, cursor } = parsePagination(request.pagination);

    const index = this.store.searchIndex;
    index.catchUp(this.store.clock.nowMs());
    const ranges = extractRanges(request.query);
    const queryKey = JSON.stringify(request.query);

    let ids: string[];
    let hasMore: boolean;
    let total: number;
    const sortOnIndex = (INDEXED_FIELDS as readonly string[]).includes(sortField);
    if (sortOnIndex) {
      const walked = walkIndex(
        index,
        sortField as IndexedField,
        descending,
        ranges[sortField as IndexedField],
        cursor,
        predicate,
        perPage + 1,
      );
      hasMore = walked.length > perPage;
      ids = walked.slice(0, perPage);
      total = this.count(queryKey, index, predicate, ranges);
    } else {
      const sorted = this.sortedMatches(
        queryKey,
        `${sortField}:${descending}`,
        index,
        predicate,
        ranges,
        sortSpec,
        descending,
      );
      let start = 0;
      if (cursor) {
        start = sorted.findIndex((id) => {
          const doc = index.docs.get(id)!;
          const c = compareKeys(sortSpec.get(doc), id, cursor.v, cursor.id);
          return descending ? c < 0 : c > 0;
        });
        if (start < 0) start = sorted.length;
      }
      ids = sorted.slice(start, start + perPage);
      hasMore = start + perPage < sorted.length;
      total = sorted.length;
    }
    const contacts = ids.map((id) => this.store.contacts.get(id)!).filter((c) => c.state === 'active');
    const page = cursor?.page ?? 1;
    const lastId = ids[ids.length - 1];
    const next =
      hasMore && lastId !== undefined
        ? encodeCursor({ v: sortSpec.get(index.docs.get(lastId)!), id: lastId, page: page + 1 })
        : null;
    return { contacts, total, page, perPage, next };
  }

  private parseSort(sort: unknown): { field: string; spec: FieldSpec; descending: boolean } {
    // The default order is descending (docs/intercom-api.md#search-operators-and-limits); the default field
    // is ours.
    if (sort === undefined)
      return { field: 'created_at', spec: this.ctx.fields.get('created_at')!, descending: true };
    const s = (typeof sort === 'object' && sort !== null ? sort : {}) as Record<string, unknown>;
    const field = typeof s.field === 'string' ? s.field : 'created_at';
    const spec = this.ctx.fields.get(field);
    if (!spec || spec.kind === 'tag' || spec.kind === 'segment') {
      throw new ApiError(400, 'invalid_field', `${String(s.field)} is not a valid field`);
    }
    const order = s.order ?? 'descending';
    if (order !== 'ascending' && order !== 'descending') {
      throw new ApiError(
        400,
        'invalid_sort_order',
        `Invalid sort order '${String(order)}'. Must be one of: ascending, descending`,
      );
    }
    return { field, spec, descending: order === 'descending' };
  }

  private count(
    key: string,
    index: SearchIndex,
    predicate: Predicate,
    ranges: Partial<Record<IndexedField, Range>>,
  ): number {
    const cached = this.cache.get(key);
    if (cached && cached.version === index.version) return cached.total;
    let total = 0;
    for (const doc of candidates(index, ranges)) if (predicate(doc)) total += 1;
    this.remember(key, { version: index.version, total });
    return total;
  }

  private sortedMatches(
    queryKey: string,
    sortKey: string,
    index: SearchIndex,
    predicate: Predicate,
    ranges: Partial<Record<IndexedField, Range>>,
    spec: FieldSpec,
    descending: boolean,
  ): string[] {
    const key = `${queryKey}|${sortKey}`;
    const cached = this.cache.get(key);
    if (cached?.sorted && cached.version === index.version) return cached.sorted;
    const docs = [...candidates(index, ranges)].filter(predicate);
    const keyed = docs.map((d) => ({ v: spec.get(d) as SortValue, id: d.id }));
    keyed.sort((a, b) => compareKeys(a.v, a.id, b.v, b.id) * (descending ? -1 : 1));
    const sorted = keyed.map((k) => k.id);
    this.remember(key, { version: index.version, total: sorted.length, sorted });
    return sorted;
  }

  /** Keeps the latest CACHED_QUERIES entries (a Map iterates oldest first). */
  private remember(key: string, entry: { version: number; total: number; sorted?: string[] }): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > CACHED_QUERIES) this.cache.delete(this.cache.keys().next().value!);
  }
}

function parsePagination(pagination: unknown): { perPage: number; cursor: CursorPosition | null } {
  if (pagination === undefined || pagination === null) return { perPage: DEFAULT_PER_PAGE, cursor: null };
  const p = pagination as Record<string, unknown>;
  const raw = p.per_page ?? DEFAULT_PER_PAGE;
  if (!Number.isInteger(raw) || (raw as number) < 1) {
    throw new ApiError(400, 'parameter_invalid', 'per_page must be a positive integer');
  }
  const perPage = Math.min(raw as number, MAX_PER_PAGE);
  const after = p.starting_after;
  return { perPage, cursor: typeof after === 'string' && after !== '' ? decodeCursor(after) : null };
}

/** Day ranges implied by top-level (AND-ed) date filters on the indexed fields. */
function extractRanges(query: unknown): Partial<Record<IndexedField, Range>> {
  const q = query as Record<string, unknown>;
  const filters =
    'field' in q ? [q] : q.operator === 'AND' ? (q.value as Array<Record<string, unknown>>) : [];
  const out: Partial<Record<IndexedField, Range>> = {};
  for (const f of filters) {
    const field = f.field as IndexedField;
    if (!(INDEXED_FIELDS as readonly string[]).includes(field) || typeof f.value !== 'number') continue;
    const r = dayRange(f.operator as string, f.value);
    const cur = out[field] ?? { lo: -Infinity, hi: Infinity };
    out[field] = { lo: Math.max(cur.lo, r.lo), hi: Math.min(cur.hi, r.hi) };
  }
  return out;
}

function* candidates(
  index: SearchIndex,
  ranges: Partial<Record<IndexedField, Range>>,
): Iterable<ContactRecord> {
  const field = INDEXED_FIELDS.find((f) => ranges[f]);
  if (!field) {
    yield* index.docs.values();
    return;
  }
  const r = ranges[field]!;
  const sorted = index.byField[field];
  const from = r.lo === -Infinity ? 0 : sorted.valueBound(r.lo, false);
  const to = r.hi === Infinity ? sorted.size : sorted.valueBound(r.hi, false);
  for (let i = from; i < to; i++) yield index.docs.get(sorted.at(i)!.id)!;
}

function walkIndex(
  index: SearchIndex,
  field: IndexedField,
  descending: boolean,
  range: Range | undefined,
  cursor: CursorPosition | null,
  predicate: Predicate,
  limit: number,
): string[] {
  const sorted = index.byField[field];
  const lo = range && range.lo !== -Infinity ? sorted.valueBound(range.lo, false) : 0;
  const hi = range && range.hi !== Infinity ? sorted.valueBound(range.hi, false) : sorted.size;
  const out: string[] = [];
  if (!descending) {
    let i = cursor ? Math.max(lo, sorted.lowerBound(cursor.v, cursor.id)) : lo;
    const at = sorted.at(i);
    if (cursor && at && at.id === cursor.id && at.v === cursor.v) i += 1;
    for (; i < hi && out.length < limit; i++) {
      const e = sorted.at(i)!;
      if (predicate(index.docs.get(e.id)!)) out.push(e.id);
    }
  } else {
    let i = cursor ? Math.min(hi, sorted.lowerBound(cursor.v, cursor.id)) - 1 : hi - 1;
    for (; i >= lo && out.length < limit; i--) {
      const e = sorted.at(i)!;
      if (predicate(index.docs.get(e.id)!)) out.push(e.id);
    }
  }
  return out;
}
