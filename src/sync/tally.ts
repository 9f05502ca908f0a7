// Running figures of one stream (fetched, inserted, updated, unchanged, deleted), added up as
// batches commit and written to the run history when the stream ends.
export interface TallyFigures {
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface Tally extends TallyFigures {
  add(delta: Partial<TallyFigures>): void;
}

/** @example const t = tally(); t.add(await upsertContacts(trx, rows)); */
export function tally(initial: Partial<TallyFigures> = {}): Tally {
  const figures: Tally = {
    fetched: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    ...initial,
    add(delta) {
      figures.fetched += delta.fetched ?? 0;
      figures.inserted += delta.inserted ?? 0;
      figures.updated += delta.updated ?? 0;
      figures.unchanged += delta.unchanged ?? 0;
      figures.deleted += delta.deleted ?? 0;
    },
  };
  return figures;
}
