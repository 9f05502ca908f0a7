// An ordered index of (value, id) pairs, kept sorted on every change, so a list or search page
// over 100k contacts is a binary search plus a short walk instead of a sort per request.

export type SortValue = number | string | boolean | null;

export interface IndexEntry {
  readonly v: SortValue;
  readonly id: string;
}

/** Total order on sort values: nulls first, then numbers, booleans, strings; ties broken by id. */
export function compareKeys(av: SortValue, aid: string, bv: SortValue, bid: string): number {
  if (av !== bv) {
    if (av === null) return -1;
    if (bv === null) return 1;
    const ta = typeof av;
    const tb = typeof bv;
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (av < bv) return -1;
    if (av > bv) return 1;
  }
  return aid < bid ? -1 : aid > bid ? 1 : 0;
}

export class SortedIndex {
  private entries: IndexEntry[] = [];

  /** Replaces the content in one sort: the fast path for loading a seeded workspace. */
  load(entries: IndexEntry[]): void {
    this.entries = entries.sort((a, b) => compareKeys(a.v, a.id, b.v, b.id));
  }

  get size(): number {
    return this.entries.length;
  }

  at(position: number): IndexEntry | undefined {
    return this.entries[position];
  }

  /** First position whose key is >= (v, id). */
  lowerBound(v: SortValue, id: string): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      if (compareKeys(e.v, e.id, v, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose value is >= v (any id), or > v when `strict`. */
  valueBound(v: number, strict: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ev = this.entries[mid]!.v;
      const before = ev === null || (strict ? (ev as number) <= v : (ev as number) < v);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(v: SortValue, id: string): void {
    const at = this.lowerBound(v, id);
    const e = this.entries[at];
    if (e && e.id === id && e.v === v) return;
    this.entries.splice(at, 0, { v, id });
  }

  remove(v: SortValue, id: string): void {
    const at = this.lowerBound(v, id);
    const e = this.entries[at];
    if (e && e.id === id) this.entries.splice(at, 1);
  }
}
