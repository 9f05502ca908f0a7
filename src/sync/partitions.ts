// Splits the contacts into slices that can be read in parallel through search, each with its own
// cursor, that together cover every contact exactly once and each hold about as many contacts
// (the search total tells how many), so no slice is left reading long after the others.
import type { SearchCondition, SearchFilter } from '../intercom/types.js';

const DAY = 86_400;
const HEX = 16;
/** Filters per AND/OR group search accepts (docs/intercom-api.md#search-operators-and-limits). */
const MAX_GROUP = 15;
/** Suffix lengths beyond this would split one day into more than 65,536 slices: never needed. */
const MAX_SUFFIX_LENGTH = 4;

/** Contacts whose id ends in one of the hex suffixes [lo, hi) of `length` digits. */
export interface IdSuffixRange {
  readonly length: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * One slice of the contacts: created on days [fromDay, toDay) (UTC midnights, seconds; null = open),
 * and, for a day too big for one slice, only the ids ending in `suffix`.
 */
export interface ContactPartition {
  /**
   * Stable name, used as the checkpoint key, from which the partition can be rebuilt:
   * "created:<fromDay>-<toDay>" ("" when open), plus "/id$<length>:<lo>-<hi>" for an id split.
   */
  readonly key: string;
  readonly fromDay: number | null;
  readonly toDay: number | null;
  readonly suffix: IdSuffixRange | null;
  readonly query: SearchFilter;
}

export function dayStart(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY;
}

/**
 * The partition of contacts created on days [fromDay, toDay), optionally only ids ending in `suffix`.
 *
 * Search compares dates by day (docs/intercom-api.md#timestamps-compare-by-day): `created_at > X`
 * means "created on a later day than X's", `< X` means "before X's day". So every boundary is a
 * UTC midnight, [A, B) is `created_at > A - 1 day AND created_at < B`, and neighbours share no
 * day. Within a day search cannot tell times apart, so a day is split by the last hex digits of
 * the id instead (`id $ "3f"`; docs/intercom-api.md#splitting-a-day).
 * @example contactPartition(1_700_006_400, 1_700_092_800, { length: 1, lo: 0, hi: 8 })
 */
export function contactPartition(
  fromDay: number | null,
  toDay: number | null,
  suffix: IdSuffixRange | null = null,
): ContactPartition {
  const after: SearchCondition | null =
    fromDay === null ? null : { field: 'created_at', operator: '>', value: fromDay - DAY };
  const before: SearchCondition | null =
    toDay === null ? null : { field: 'created_at', operator: '<', value: toDay };
  const filters: SearchFilter[] = [after, before].filter((f): f is SearchCondition => f !== null);
  if (suffix) filters.push(suffixFilter(suffix));
  // A single open partition (no contacts' spread yet) still needs a query that matches everyone.
  const query: SearchFilter =
    filters.length === 0
      ? {
          operator: 'OR',
          value: [
            { field: 'created_at', operator: '>', value: 0 },
            { field: 'created_at', operator: '=', value: 0 },
          ],
        }
      : filters.length === 1
        ? filters[0]!
        : { operator: 'AND', value: filters };
  const idPart = suffix ? `/id$${suffix.length}:${suffix.lo}-${suffix.hi}` : '';
  return { key: `created:${fromDay ?? ''}-${toDay ?? ''}${idPart}`, fromDay, toDay, suffix, query };
}

function suffixFilter(suffix: IdSuffixRange): SearchFilter {
  const values: SearchCondition[] = [];
  for (let i = suffix.lo; i < suffix.hi; i++) {
    values.push({ field: 'id', operator: '$', value: i.toString(HEX).padStart(suffix.length, '0') });
  }
  return values.length === 1 ? values[0]! : { operator: 'OR', value: values };
}

/**
 * Rebuilds a partition from its key (a resumed run reads the partitions its checkpoints name);
 * undefined for a key this version did not write.
 * @example partitionFromKey('created:1700006400-1700092800/id$1:0-8')
 */
export function partitionFromKey(key: string): ContactPartition | undefined {
  const match = /^created:(\d*)-(\d*)(?:\/id\$(\d+):(\d+)-(\d+))?$/.exec(key);
  if (!match) return undefined;
  const day = (text: string | undefined) => (text ? Number(text) : null);
  if ([day(match[1]), day(match[2])].some((d) => d !== null && d % DAY !== 0)) return undefined;
  const suffix = match[3] ? { length: Number(match[3]), lo: Number(match[4]), hi: Number(match[5]) } : null;
  const partition = contactPartition(day(match[1]), day(match[2]), suffix);
  return partition.key === key ? partition : undefined;
}

/** How many contacts a (prospective) partition's query matches: one search with per_page 1. */
export type CountContacts = (partition: ContactPartition) => Promise<number>;

export interface PartitionPlanInput {
  /** Oldest and newest created_at, and how many contacts there are (from the two edge searches). */
  readonly oldest: number;
  readonly newest: number;
  readonly total: number;
  /** How many partitions to aim for (SYNC_CONTACT_PARTITIONS). */
  readonly wanted: number;
  /** No partition is planned smaller than this many contacts (a page): smaller costs calls for nothing. */
  readonly minSize?: number;
  readonly count: CountContacts;
}

/**
 * Plans partitions of about total / wanted contacts each, by counting: the created_at range is
 * cut into day-aligned slices, each counted; a slice holding more than 1.5 shares is cut again,
 * down to a single day, and a day still too big (a bulk import) is split by id suffix into as
 * many slices as it holds shares (ids end in evenly spread hex digits). The first slice is open
 * below and the last open above, so contacts created mid-sync still land in exactly one.
 * @example await planPartitionsByCount({ oldest, newest, total, wanted: 48, count: (p) => searchTotal(p.query) })
 */
export async function planPartitionsByCount(input: PartitionPlanInput): Promise<ContactPartition[]> {
  const share = Math.max(input.minSize ?? 150, Math.ceil(input.total / Math.max(1, input.wanted)));
  const first = dayStart(input.oldest);
  const last = dayStart(input.newest) + DAY;
  const plan = async (slice: Slice): Promise<ContactPartition[]> => {
    if (slice.count <= share * 1.5) return [contactPartition(slice.from, slice.to)];
    const lo = slice.from ?? first;
    const hi = slice.to ?? last;
    const days = Math.max(1, Math.round((hi - lo) / DAY));
    if (days === 1) return splitDay(slice, Math.ceil(slice.count / share));
    const parts = Math.min(days, Math.ceil(slice.count / share));
    const bounds: number[] = [];
    for (let i = 1; i < parts; i++) bounds.push(lo + Math.round((days * i) / parts) * DAY);
    const edges = [slice.from, ...[...new Set(bounds)].filter((b) => b > lo && b < hi), slice.to];
    const children = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]! }));
    const counts = await Promise.all(children.map((c) => input.count(contactPartition(c.from, c.to))));
    const planned = await Promise.all(children.map((c, i) => plan({ ...c, count: counts[i]! })));
    return planned.flat();
  };
  return plan({ from: null, to: null, count: input.total });
}

interface Slice {
  readonly from: number | null;
  readonly to: number | null;
  readonly count: number;
}

/**
 * A day into `parts` slices by the ids' last hex digits: suffixes of the shortest length with at
 * least `parts` values, in contiguous groups of at most 15 (one OR group).
 */
function splitDay(slice: Slice, parts: number): ContactPartition[] {
  let length = 1;
  while (HEX ** length < parts && length < MAX_SUFFIX_LENGTH) length++;
  const values = HEX ** length;
  const groups = Math.min(values, Math.max(parts, Math.ceil(values / MAX_GROUP)));
  const out: ContactPartition[] = [];
  for (let g = 0; g < groups; g++) {
    const lo = Math.floor((g * values) / groups);
    const hi = Math.floor(((g + 1) * values) / groups);
    out.push(contactPartition(slice.from, slice.to, { length, lo, hi }));
  }
  return out;
}
