// The contacts stream of a full run, in pieces both ways of running it share: the plan (made once
// per run and recorded, so a resumed run or another process reads the same partitions), the page
// handler (rows, notes and cut lists, then the checkpoint), and one partition read to its end.
import { readPlan, savePlan, saveCheckpoint, type Checkpoint } from '../db/checkpoints.js';
import type { Contact } from '../intercom/types.js';
import type { SyncContext } from './context.js';
import { planContactRead, readContactPartitions, type PartitionProgress } from './contacts-reader.js';
import { saveContacts } from './contact-pages.js';
import { partitionFromKey, type ContactPartition } from './partitions.js';
import type { Tally } from './tally.js';

export interface ContactsPlan {
  readonly partitions: ContactPartition[];
  /** Contacts in the workspace when planned (undefined for a resumed plan: not counted again). */
  readonly total: number | undefined;
  readonly saved: readonly Checkpoint[];
}

/**
 * The run's partitions: the recorded plan when there is one, else a new plan (by count), recorded.
 * @example const { partitions, saved } = await contactsPlan(ctx, runId);
 */
export async function contactsPlan(
  ctx: SyncContext,
  runId: number,
  signal?: AbortSignal,
): Promise<ContactsPlan> {
  const recorded = await readPlan(ctx.db, runId, 'contacts');
  const restored = recorded?.map((c) => partitionFromKey(c.partition));
  if (recorded && restored && restored.every((p) => p !== undefined)) {
    return { partitions: restored as ContactPartition[], total: undefined, saved: recorded };
  }
  const { partitions, total } = await planContactRead(ctx, signal);
  await savePlan(
    ctx.db,
    runId,
    'contacts',
    partitions.map((p) => p.key),
  );
  return { partitions, total, saved: (await readPlan(ctx.db, runId, 'contacts')) ?? [] };
}

/** The part of a search page the handler needs. */
export interface ContactPage {
  readonly items: readonly Contact[];
  readonly nextStartingAfter: string | undefined;
}

/** What reading pages added up to: notes figures and the newest updated_at (for the watermark). */
export interface ContactsWork {
  readonly notes: { fetched: number; inserted: number; updated: number; unchanged: number };
  newest: number;
  done: number;
}

/**
 * The page handler of a full run: writes the page (and its notes and cut lists), then its
 * checkpoint, and adds the figures to `contacts` and `work`.
 * @example const onPage = contactPageSaver(ctx, runId, saved, tally(), work);
 */
export function contactPageSaver(
  ctx: SyncContext,
  runId: number,
  saved: readonly Checkpoint[],
  contacts: Tally,
  work: ContactsWork,
  onDone?: (done: number) => void,
  signal?: AbortSignal,
) {
  const fetched = new Map(saved.map((c) => [c.partition, c.fetched]));
  return async (partition: ContactPartition, page: ContactPage) => {
    const count = (fetched.get(partition.key) ?? 0) + page.items.length;
    fetched.set(partition.key, count);
    const result = await saveContacts(ctx, page.items, {
      runId,
      listed: true,
      park: { source: 'full', runId },
      ...(signal && { signal }),
    });
    // Only after the page's cut lists and notes are written too: a crash in between would
    // otherwise resume past contacts whose notes and 11th+ links were never read.
    await saveCheckpoint(ctx.db, runId, 'contacts', {
      partition: partition.key,
      cursor: page.nextStartingAfter ?? null,
      done: page.nextStartingAfter === undefined,
      fetched: count,
    });
    contacts.add(result.contacts);
    for (const key of ['fetched', 'inserted', 'updated', 'unchanged'] as const)
      work.notes[key] += result.notes[key];
    work.newest = Math.max(work.newest, result.newestUpdatedAt ?? 0);
    work.done += page.items.length;
    onDone?.(work.done);
  };
}

/** A fresh figures holder for contactPageSaver. */
export function contactsWork(done = 0): ContactsWork {
  return { notes: { fetched: 0, inserted: 0, updated: 0, unchanged: 0 }, newest: 0, done };
}

/**
 * Reads the given partitions of the run from their checkpoints to their ends, `contactConcurrency`
 * at a time.
 * @example await readPlannedPartitions(ctx, runId, partitions, saved, tally(), contactsWork());
 */
export async function readPlannedPartitions(
  ctx: SyncContext,
  runId: number,
  partitions: readonly ContactPartition[],
  saved: readonly Checkpoint[],
  contacts: Tally,
  work: ContactsWork,
  onDone?: (done: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const progress = new Map<string, PartitionProgress>(
    saved.map((c) => [c.partition, { cursor: c.cursor ?? undefined, done: c.done }]),
  );
  await readContactPartitions(
    ctx,
    partitions,
    progress,
    contactPageSaver(ctx, runId, saved, contacts, work, onDone, signal),
    signal,
  );
}
