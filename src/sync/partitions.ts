// Splits the contacts into created_at ranges that can be read in parallel through search, each
// with its own cursor, and that together cover every contact exactly once.
import type { SearchCondition, SearchFilter } from '../intercom/types.js';

const DAY = 86_400;

/** One slice of the contacts: created on days [fromDay, toDay) (UTC midnights, seconds). */
export interface ContactPartition {
  /** Stable name, used as the checkpoint key: "created:<fromDay>-<toDay>" ("" when open). */
  readonly key: string;
  readonly fromDay: number | null;
  readonly toDay: number | null;
  readonly query: SearchFilter;
}

export function dayStart(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY;
}

/**
 * Day-aligned partitions between the oldest and newest created_at.
 *
 * Search compares dates by day (docs/intercom-api.md#timestamps-compare-by-day): `created_at > X` means
 * "created on a later
 * day than X's", `< X` means "before X's day". So every boundary is a UTC midnight, a partition
 * [A, B) is `created_at > A - 1 day AND created_at < B`, and neighbours share no day. The first
 * partition is open below and the last open above, so contacts created mid-sync still land in one.
 * @example planContactPartitions(1_500_000_000, 1_700_000_000, 32)
 */
export function planContactPartitions(oldest: number, newest: number, wanted: number): ContactPartition[] {
  const first = dayStart(oldest);
  const last = dayStart(newest) + DAY;
  const days = Math.max(1, (last - first) / DAY);
  const count = Math.max(1, Math.min(wanted, days));
  const bounds: number[] = [];
  for (let i = 1; i < count; i++) bounds.push(first + Math.round((days * i) / count) * DAY);
  const unique = [...new Set(bounds)].filter((b) => b > first && b < last);

  const edges: Array<number | null> = [null, ...unique, null];
  const partitions: ContactPartition[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    partitions.push(partition(edges[i]!, edges[i + 1]!));
  }
  return partitions;
}

function partition(fromDay: number | null, toDay: number | null): ContactPartition {
  const after: SearchCondition | null =
    fromDay === null ? null : { field: 'created_at', operator: '>', value: fromDay - DAY };
  const before: SearchCondition | null =
    toDay === null ? null : { field: 'created_at', operator: '<', value: toDay };
  const filters = [after, before].filter((f): f is SearchCondition => f !== null);
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
  return { key: `created:${fromDay ?? ''}-${toDay ?? ''}`, fromDay, toDay, query };
}
