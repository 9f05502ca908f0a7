// The nightly full sync: every stream read whole, written only where it changed, and — only when a
// stream's pass completed — the rows it did not see marked deleted (mark and sweep). A run that
// dies is resumed from its partition checkpoints by the next one.
import { ServiceError } from '../errors.js';
import { advanceWatermark } from '../db/watermarks.js';
import { findResumableRun, finishRun, reopenRun, startRun } from '../db/runs.js';
import { keepRunAlive, markDeadRuns } from './run-liveness.js';
import { forgetSeen } from '../db/mark-and-sweep.js';
import { workspaceKey, type SyncContext } from './context.js';
import { contactsPlan, contactsWork, readPlannedPartitions } from './contacts-pass.js';
import { syncCompanies, syncSegmentsList, syncTagsList } from './catalog-streams.js';
import { acquireLease } from './workspace-lease.js';
import { syncAdminsAndTeams, syncDataAttributes } from './workspace-streams.js';
import { runStream, type StreamResult } from './stream.js';
import { FULL_SYNC_STREAMS, type FullSyncStream } from './full-sync-streams.js';

export { FULL_SYNC_STREAMS, type FullSyncStream };

export interface FullSyncProgress {
  readonly stream: FullSyncStream;
  readonly done: number;
  /** Known for contacts (search reports a total); undefined where the API does not say. */
  readonly total: number | undefined;
}

export interface FullSyncOptions {
  /** Streams to run; all by default. `notes` rides on `contacts` (notes are read per contact). */
  readonly only?: readonly FullSyncStream[];
  readonly trigger?: string;
  readonly onProgress?: (progress: FullSyncProgress) => void;
  readonly signal?: AbortSignal;
}

export interface FullSyncSummary {
  readonly runId: number;
  readonly resumed: boolean;
  readonly status: 'succeeded' | 'failed';
  readonly durationMs: number;
  readonly streams: readonly StreamResult[];
  readonly error?: string;
}

/** Another process holds this workspace's full-sync lock; trying again after it finishes will work. */
export class SyncAlreadyRunningError extends ServiceError {
  override name = 'SyncAlreadyRunningError';
  constructor(message: string) {
    super(message, { permanent: false });
  }
}

/**
 * Runs (or resumes) a full sync. One at a time per workspace, across every process.
 * @example const summary = await runFullSync(ctx, { only: ['companies'] });
 */
export async function runFullSync(ctx: SyncContext, options: FullSyncOptions = {}): Promise<FullSyncSummary> {
  const only = fullSyncStreams(options.only);
  const lock = await takeFullSyncLock(ctx);
  const started = Date.now();
  const { runId, resumed } = await openFullRun(ctx, only, options.trigger).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  const stopHeartbeat = keepRunAlive(ctx, runId);

  const results: StreamResult[] = [];
  try {
    const report = (stream: FullSyncStream) => (done: number, total?: number) =>
      options.onProgress?.({ stream, done, total });
    // Tags, segments and the workspace's lists first (cheap, and links then find their rows); then companies (one
    // sequential scroll) alongside contacts (parallel partitions): together they use the budget.
    results.push(...(await runCatalogStreams(ctx, runId, only, options.onProgress)));
    const [companies, contacts] = await Promise.all([
      only.has('companies')
        ? runStream(ctx, runId, 'companies', { sweep: true }, (t) =>
            syncCompanies(ctx, runId, t, report('companies'), options.signal),
          )
        : null,
      only.has('contacts') ? syncAllContacts(ctx, runId, only.has('notes'), report, options.signal) : null,
    ]);
    if (companies) results.push(companies);
    if (contacts) results.push(...contacts);
    // Stopped on purpose (shutdown, operator): the streams failed only because of that, so leave
    // the run unfinished and the next one resumes it from its checkpoints instead of starting over.
    options.signal?.throwIfAborted();
    const failed = results.find((r) => r.status === 'failed');
    await finishRun(
      ctx.db,
      runId,
      failed ? { status: 'failed', error: `${failed.stream}: ${failed.error}` } : { status: 'succeeded' },
    );
    ctx.metrics?.runs.inc({ kind: 'full', outcome: failed ? 'failed' : 'succeeded' });
    await forgetSeen(ctx.db, runId);
    const summary: FullSyncSummary = {
      runId,
      resumed,
      status: failed ? 'failed' : 'succeeded',
      durationMs: Date.now() - started,
      streams: results,
      ...(failed && { error: `${failed.stream}: ${failed.error}` }),
    };
    ctx.log.info({ runId, status: summary.status, durationMs: summary.durationMs }, 'full sync finished');
    return summary;
  } catch (error) {
    // Unexpected (not a stream failure): leave the run unfinished so the next one resumes it.
    ctx.log.error({ err: error, runId }, 'full sync stopped; the next run resumes from its checkpoints');
    throw error;
  } finally {
    stopHeartbeat();
    await lock.release();
  }
}

/** The contacts stream (and notes, read per contact inside it). */
async function syncAllContacts(
  ctx: SyncContext,
  runId: number,
  withNotes: boolean,
  report: (stream: FullSyncStream) => (done: number, total?: number) => void,
  signal?: AbortSignal,
): Promise<StreamResult[]> {
  let notesResult: StreamResult | undefined;
  const contacts = await runStream(ctx, runId, 'contacts', { sweep: true }, async (contactTally) => {
    const { partitions, total, saved } = await contactsPlan(ctx, runId, signal);
    const work = contactsWork(saved.reduce((sum, c) => sum + c.fetched, 0));
    await readPlannedPartitions(
      ctx,
      runId,
      partitions,
      saved,
      contactTally,
      work,
      (done) => report('contacts')(done, total),
      signal,
    );
    if (work.newest > 0) await advanceWatermark(ctx.db, 'contacts', new Date(work.newest * 1000), runId);
    if (withNotes) {
      // Notes are read inside the contacts pass (their API calls count there). They are never swept:
      // only the notes of changed contacts are re-read, so "not seen" does not mean deleted.
      notesResult = await runStream(ctx, runId, 'notes', { sweep: false }, async (t) => t.add(work.notes));
    }
  });
  return notesResult ? [contacts, notesResult] : [contacts];
}

/** The streams a run reads: all by default; notes ride on contacts. */
export function fullSyncStreams(only: readonly string[] | undefined): Set<FullSyncStream> {
  const streams = new Set<FullSyncStream>((only as FullSyncStream[] | undefined) ?? FULL_SYNC_STREAMS);
  if (streams.has('notes')) streams.add('contacts');
  return streams;
}

/** The workspace's full-sync lock, renewed until released; SyncAlreadyRunningError when another holds it. */
export async function takeFullSyncLock(ctx: SyncContext): Promise<{ release(): Promise<void> }> {
  const lock = await acquireLease({
    redis: ctx.redis,
    key: workspaceKey(ctx, 'full-sync-lock'),
    ttlMs: 60_000,
    waitMs: 0,
  }).catch(() => {
    throw new SyncAlreadyRunningError('a full sync is already running for this workspace');
  });
  return { release: () => lock.release().catch(() => undefined) };
}

/**
 * The run to continue (the newest unfinished one, if it reads the same streams) or a new one;
 * an unfinished run of other streams is cancelled. Hold the full-sync lock around it.
 * @example const { runId, resumed } = await openFullRun(ctx, fullSyncStreams(undefined), 'manual');
 */
export async function openFullRun(
  ctx: SyncContext,
  only: ReadonlySet<FullSyncStream>,
  trigger: string | undefined,
  extra: Record<string, unknown> = {},
): Promise<{ runId: number; resumed: boolean }> {
  const streamList = FULL_SYNC_STREAMS.filter((s) => only.has(s));
  // Runs a killed process left `running` (docs/resilience.md#crashed-runs) become resumable.
  await markDeadRuns(ctx);
  const unfinished = await findResumableRun(ctx.db, 'full');
  const resumable = unfinished && sameStreams(unfinished.options, streamList) ? unfinished : null;
  if (unfinished && !resumable) {
    await finishRun(ctx.db, unfinished.id, { status: 'cancelled', error: 'superseded' });
    ctx.metrics?.runs.inc({ kind: 'full', outcome: 'cancelled' });
  }
  const runId =
    resumable?.id ??
    (await startRun(ctx.db, {
      kind: 'full',
      trigger: trigger ?? 'manual',
      options: { streams: streamList, ...extra },
    }));
  if (resumable) await reopenRun(ctx.db, resumable.id);
  ctx.log.info({ runId, resumed: Boolean(resumable), streams: streamList }, 'full sync started');
  return { runId, resumed: Boolean(resumable) };
}

/** Tags and segments, in parallel: cheap, and read first so links then find their rows. */
export async function runCatalogStreams(
  ctx: SyncContext,
  runId: number,
  only: ReadonlySet<FullSyncStream>,
  onProgress?: (progress: FullSyncProgress) => void,
): Promise<StreamResult[]> {
  const report = (stream: FullSyncStream) => (done: number, total?: number) =>
    onProgress?.({ stream, done, total });
  const catalog = await Promise.all([
    only.has('tags')
      ? runStream(ctx, runId, 'tags', { sweep: true }, (t) => syncTagsList(ctx, runId, t, report('tags')))
      : null,
    only.has('segments')
      ? runStream(ctx, runId, 'segments', { sweep: true }, (t) =>
          syncSegmentsList(ctx, runId, t, report('segments')),
        )
      : null,
    only.has('data_attributes')
      ? runStream(ctx, runId, 'data_attributes', { sweep: false }, (t) =>
          syncDataAttributes(ctx, t, report('data_attributes')),
        )
      : null,
    only.has('admins')
      ? runStream(ctx, runId, 'admins', { sweep: false }, (t) => syncAdminsAndTeams(ctx, t, report('admins')))
      : null,
  ]);
  return catalog.filter((r) => r !== null);
}

function sameStreams(options: unknown, streams: readonly string[]): boolean {
  const saved = (options as { streams?: unknown } | null)?.streams;
  return Array.isArray(saved) && saved.length === streams.length && saved.every((s, i) => s === streams[i]);
}
