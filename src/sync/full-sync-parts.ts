// A full run cut into parts any process can take (docs/design.md#a-full-sync-shared-by-every-daemon):
// the start (run, tags and segments, the contacts plan), one contacts partition read to its end,
// the companies scroll, and the finish once every part is done (the contacts sweep, the
// watermark, the run's outcome). Figures are added up in Postgres, since the parts run in
// different processes; the queueing itself is src/workers' business.
import { readCheckpoints, readPlan } from '../db/checkpoints.js';
import { forgetSeen, markUnseenDeleted } from '../db/mark-and-sweep.js';
import {
  addStreamFigures,
  finishRun,
  finishStream,
  markStreamComplete,
  readRunStreams,
  startStream,
} from '../db/runs.js';
import { advanceWatermark } from '../db/watermarks.js';
import { syncCompanies } from './catalog-streams.js';
import { contactsPlan, contactsWork, readPlannedPartitions } from './contacts-pass.js';
import type { SyncContext } from './context.js';
import {
  fullSyncStreams,
  openFullRun,
  runCatalogStreams,
  type FullSyncStream,
  type FullSyncSummary,
} from './full-sync.js';
import { partitionFromKey } from './partitions.js';
import { runStream, type StreamResult } from './stream.js';
import { tally } from './tally.js';

/** What is left to read of a shared run: its unfinished contacts partitions, and whether companies. */
export interface SharedRunParts {
  readonly runId: number;
  readonly resumed: boolean;
  readonly partitions: readonly string[];
  readonly companies: boolean;
}

/**
 * Opens (or resumes) the run, reads tags and segments, and plans the contacts; returns the parts
 * still to read. Call it holding the full-sync lock (takeFullSyncLock).
 * @example const parts = await startSharedRun(ctx, { trigger: 'schedule' });
 */
export async function startSharedRun(
  ctx: SyncContext,
  options: {
    readonly only?: readonly string[];
    readonly trigger?: string;
    readonly signal?: AbortSignal;
  } = {},
): Promise<SharedRunParts> {
  const only = fullSyncStreams(options.only);
  const { runId, resumed } = await openFullRun(ctx, only, options.trigger, { shared: true });
  const before = await readRunStreams(ctx.db, runId);
  const succeeded = (stream: string) =>
    before.streams.some((s) => s.stream === stream && s.status === 'succeeded');
  await runCatalogStreams(ctx, runId, new Set([...only].filter((s) => !succeeded(s))));
  let partitions: string[] = [];
  if (only.has('contacts')) {
    await startStream(ctx.db, runId, 'contacts');
    if (only.has('notes')) await startStream(ctx.db, runId, 'notes');
    const calls = { calls: 0, rateLimited: 0 };
    const plan = await ctx.meter.measure(calls, () => contactsPlan(ctx, runId, options.signal));
    await addStreamFigures(ctx.db, runId, 'contacts', {
      api_calls: calls.calls,
      rate_limited: calls.rateLimited,
    });
    partitions = plan.partitions
      .filter((p) => !plan.saved.find((c) => c.partition === p.key)?.done)
      .map((p) => p.key);
  }
  return { runId, resumed, partitions, companies: only.has('companies') && !succeeded('companies') };
}

/** What one partition part reports to the finish. */
export interface PartitionPartResult {
  /** Newest updated_at read (UNIX seconds; 0 when none), for the watermark. */
  readonly newest: number;
}

/**
 * Reads one planned partition of the run from its checkpoint to its end, adding its figures
 * (and API calls) to the run's contacts and notes streams, also when it fails part-way.
 * @example await readSharedPartition(ctx, runId, 'created:1700006400-1700092800');
 */
export async function readSharedPartition(
  ctx: SyncContext,
  runId: number,
  key: string,
  signal?: AbortSignal,
): Promise<PartitionPartResult> {
  const partition = partitionFromKey(key);
  if (!partition) throw new Error(`run ${runId} has no partition '${key}' this version can read`);
  const saved = (await readCheckpoints(ctx.db, runId, 'contacts')).filter((c) => c.partition === key);
  const contacts = tally();
  const work = contactsWork();
  const calls = { calls: 0, rateLimited: 0 };
  try {
    await ctx.meter.measure(calls, () =>
      readPlannedPartitions(ctx, runId, [partition], saved, contacts, work, undefined, signal),
    );
  } finally {
    const { fetched, inserted, updated, unchanged } = contacts;
    await addStreamFigures(ctx.db, runId, 'contacts', {
      fetched,
      inserted,
      updated,
      unchanged,
      api_calls: calls.calls,
      rate_limited: calls.rateLimited,
    });
    await addStreamFigures(ctx.db, runId, 'notes', work.notes);
  }
  return { newest: work.newest };
}

/**
 * The companies stream of the run: the scroll (under its workspace lock), then its sweep.
 * @example const result = await readSharedCompanies(ctx, runId);
 */
export async function readSharedCompanies(
  ctx: SyncContext,
  runId: number,
  signal?: AbortSignal,
): Promise<StreamResult> {
  return runStream(ctx, runId, 'companies', { sweep: true }, (t) =>
    syncCompanies(ctx, runId, t, () => undefined, signal),
  );
}

/**
 * Finishes the run once every part has ended: if every contacts partition is done, the contacts
 * stream is complete (swept, watermark moved to `newest`); the run then succeeds, or fails naming
 * what did not. A run already finished (by another process) is only reported.
 * @example const summary = await finishSharedRun(ctx, runId, newest);
 */
export async function finishSharedRun(
  ctx: SyncContext,
  runId: number,
  newest: number,
): Promise<FullSyncSummary> {
  const before = await readRunStreams(ctx.db, runId);
  if (!before.finished) {
    const has = (stream: string) => before.streams.some((s) => s.stream === stream);
    if (has('contacts')) {
      const plan = (await readPlan(ctx.db, runId, 'contacts')) ?? [];
      const unfinished = plan.filter((c) => !c.done).length;
      if (plan.length > 0 && unfinished === 0) {
        await markStreamComplete(ctx.db, runId, 'contacts');
        const deleted = await markUnseenDeleted(ctx.db, runId, 'contacts', {
          graceSeconds: ctx.settings.searchLagSeconds,
        });
        ctx.metrics?.recordsSynced.inc({ entity: 'contacts', operation: 'deleted' }, deleted);
        if (newest > 0) await advanceWatermark(ctx.db, 'contacts', new Date(newest * 1000), runId);
        await finishStream(ctx.db, runId, 'contacts', { status: 'succeeded', figures: { deleted } });
        if (has('notes')) await finishStream(ctx.db, runId, 'notes', { status: 'succeeded' });
      } else {
        const error = `${unfinished} of ${plan.length} partitions did not finish; nothing was swept`;
        await finishStream(ctx.db, runId, 'contacts', { status: 'failed', error });
        if (has('notes')) await finishStream(ctx.db, runId, 'notes', { status: 'failed', error });
      }
    }
    const { streams } = await readRunStreams(ctx.db, runId);
    const failed = streams.find((s) => s.status !== 'succeeded');
    await finishRun(
      ctx.db,
      runId,
      failed
        ? { status: 'failed', error: `${failed.stream}: ${failed.error ?? failed.status}` }
        : { status: 'succeeded' },
    );
    await forgetSeen(ctx.db, runId);
  }
  const { streams, startedAt } = await readRunStreams(ctx.db, runId);
  const results: StreamResult[] = streams.map((s) => ({
    stream: s.stream,
    status: s.status === 'succeeded' ? 'succeeded' : 'failed',
    complete: s.complete,
    fetched: s.fetched,
    inserted: s.inserted,
    updated: s.updated,
    unchanged: s.unchanged,
    deleted: s.deleted,
    apiCalls: s.api_calls,
    rateLimited: s.rate_limited,
    durationMs: s.duration_ms ?? 0,
    ...(s.error && { error: s.error }),
  }));
  const failed = results.find((r) => r.status === 'failed');
  const summary: FullSyncSummary = {
    runId,
    resumed: false,
    status: failed ? 'failed' : 'succeeded',
    durationMs: startedAt ? Date.now() - startedAt.getTime() : 0,
    streams: results,
    ...(failed && { error: `${failed.stream}: ${failed.error}` }),
  };
  ctx.log.info({ runId, status: summary.status }, 'shared full sync finished');
  return summary;
}

export type { FullSyncStream };
