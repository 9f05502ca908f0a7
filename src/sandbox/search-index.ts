// What contact search can see: a copy of the active contacts that trails the store by the
// configured lag, as Intercom's search index does (docs/intercom-api.md#index-lag).
import type { ContactRecord } from './model.js';
import { SortedIndex } from './sorted-index.js';

interface PendingChange {
  readonly visibleAtMs: number;
  readonly id: string;
  readonly doc: ContactRecord;
}

/** Fields with an ordered index: range filters on them narrow the scan, sorts on them walk it. */
export const INDEXED_FIELDS = ['created_at', 'updated_at'] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

export class SearchIndex {
  readonly docs = new Map<string, ContactRecord>();
  readonly byField: Record<IndexedField, SortedIndex> = {
    created_at: new SortedIndex(),
    updated_at: new SortedIndex(),
  };
  /** Bumped on every visible change; search caches counts per version. */
  version = 0;
  private pending: PendingChange[] = [];

  load(docs: Iterable<ContactRecord>): void {
    for (const doc of docs) this.docs.set(doc.id, doc);
    for (const field of INDEXED_FIELDS) {
      this.byField[field].load([...this.docs.values()].map((d) => ({ v: d[field], id: d.id })));
    }
    this.version += 1;
  }

  /**
   * A created or updated contact becomes searchable `lagMs` later; until then search matches
   * the previous version (or misses a new contact). Removals (archive, delete, merge) apply at
   * once, because the API excludes those contacts from search (docs/intercom-api.md#archive-delete-merge).
   */
  stage(id: string, doc: ContactRecord | null, nowMs: number, lagMs: number): void {
    if (doc === null) {
      this.pending = this.pending.filter((p) => p.id !== id);
      this.apply(id, null);
    } else if (lagMs <= 0) {
      this.apply(id, doc);
    } else {
      this.pending.push({ visibleAtMs: nowMs + lagMs, id, doc });
    }
  }

  /** Makes every change whose lag has passed visible. */
  catchUp(nowMs: number): void {
    if (this.pending.length === 0) return;
    const due = this.pending.filter((p) => p.visibleAtMs <= nowMs);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.visibleAtMs > nowMs);
    for (const p of due) this.apply(p.id, p.doc);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  private apply(id: string, doc: ContactRecord | null): void {
    const old = this.docs.get(id);
    if (old) for (const field of INDEXED_FIELDS) this.byField[field].remove(old[field], id);
    if (doc) {
      this.docs.set(id, doc);
      for (const field of INDEXED_FIELDS) this.byField[field].insert(doc[field], id);
    } else {
      this.docs.delete(id);
    }
    this.version += 1;
  }
}
