// Reads every contact through search in parallel created_at partitions, each its own cursor chain,
// so as many requests are in flight as the rate budget allows (docs/design.md#principle-6). A single
// cursor is one request at a time and leaves most of the budget unused.
import type { CursorPage } from '../intercom/pagination.js';
import type { Contact, SearchFilter } from '../intercom/types.js';
import type { SyncContext } from './context.js';
import { planPartitionsByCount, type ContactPartition } from './partitions.js';
import { readAhead } from './read-ahead.js';

/** Matches every contact (created_at is never negative). */
export const EVERY_CONTACT: SearchFilter = {
  operator: 'OR',
  value: [
    { field: 'created_at', operator: '>', value: 0 },
    { field: 'created_at', operator: '=', value: 0 },
  ],
};

/** Where a partition stands: resume after `cursor`, or skip it when `done`. */
export interface PartitionProgress {
  readonly cursor: string | undefined;
  readonly done: boolean;
}

export type ContactPageHandler = (partition: ContactPartition, page: CursorPage<Contact>) => Promise<void>;

/** The oldest and newest created_at, and how many contacts there are: two one-contact searches. */
export async function contactCreatedRange(
  ctx: SyncContext,
): Promise<{ oldest: number; newest: number; total: number | undefined } | undefined> {
  const edge = async (order: 'ascending' | 'descending') => {
    const pages = ctx.intercom.contacts.search(EVERY_CONTACT, {
      perPage: 1,
      sort: { field: 'created_at', order },
    });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done ? undefined : { at: first.value.items[0]?.created_at, total: first.value.totalCount };
  };
  const [oldest, newest] = await Promise.all([edge('ascending'), edge('descending')]);
  if (oldest?.at === undefined || newest?.at === undefined) return undefined;
  return { oldest: oldest.at, newest: newest.at, total: oldest.total };
}

/**
 * The partitions for this workspace's contacts, planned by how many contacts each holds, and their
 * total (for progress and ETA). Costs the two edge searches and one per_page-1 search per slice counted.
 */
export async function planContactRead(
  ctx: SyncContext,
  signal?: AbortSignal,
): Promise<{ partitions: ContactPartition[]; total: number | undefined }> {
  const range = await contactCreatedRange(ctx);
  const now = Math.floor((ctx.clock?.now() ?? Date.now()) / 1000);
  const partitions = await planPartitionsByCount({
    oldest: range?.oldest ?? now,
    newest: range?.newest ?? now,
    total: range?.total ?? 0,
    wanted: ctx.settings.contactPartitions,
    count: async (partition) => {
      const pages = ctx.intercom.contacts.search(partition.query, {
        perPage: 1,
        lane: 'inbound',
        ...(signal && { signal }),
      });
      const first = await pages.next();
      await pages.return(undefined);
      return first.done ? 0 : (first.value.totalCount ?? first.value.items.length);
    },
  });
  return { partitions, total: range ? range.total : 0 };
}

/** The partitions for this workspace's contacts (one open partition when it has none yet). */
export async function planPartitions(ctx: SyncContext): Promise<ContactPartition[]> {
  return (await planContactRead(ctx)).partitions;
}

/**
 * Runs `onPage` for every page of every unfinished partition, `contactConcurrency` partitions at a
 * time. `onPage` must commit the page and its checkpoint together; a crash then resumes exactly.
 * @example await readContactPartitions(ctx, partitions, progress, async (p, page) => save(p, page));
 */
export async function readContactPartitions(
  ctx: SyncContext,
  partitions: readonly ContactPartition[],
  progress: ReadonlyMap<string, PartitionProgress>,
  onPage: ContactPageHandler,
  signal?: AbortSignal,
): Promise<void> {
  const queue = partitions.filter((p) => !progress.get(p.key)?.done);
  let failed = false;
  const worker = async () => {
    for (let partition = queue.shift(); partition && !failed; partition = queue.shift()) {
      signal?.throwIfAborted();
      const pages = ctx.intercom.contacts.search(partition.query, {
        perPage: 150,
        startingAfter: progress.get(partition.key)?.cursor,
        // created_at never changes, so the order (and a saved cursor) stays valid while others edit.
        sort: { field: 'created_at', order: 'ascending' },
        lane: 'inbound',
        ...(signal && { signal }),
      });
      try {
        // Page N+1 is asked for while page N is written (read-ahead.ts); checkpoints still follow writes.
        for await (const page of readAhead(pages)) {
          if (failed) break;
          await onPage(partition, page);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(ctx.settings.contactConcurrency, queue.length) }, worker);
  // Let every worker settle before reporting, so no partition is left writing after a failure.
  const results = await Promise.allSettled(workers);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
