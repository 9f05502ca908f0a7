// The incremental sync: contacts changed since the watermark, read through search.
//
// Search compares dates by day and indexes changes minutes late
// (docs/intercom-api.md#timestamps-compare-by-day, docs/intercom-api.md#index-lag), so
// `updated_at > watermark` alone loses same-day and late-indexed changes (docs/design.md#incremental-sync).
// We query from the day of (watermark − lag), newest change first, keep the contacts whose exact
// updated_at is at or after that instant, and stop at the first page that reaches past it: a run
// costs the pages of what changed since (watermark − lag), not of everything changed that day.
// The newer-wins upsert absorbs the overlap (it writes nothing for rows already stored). Read
// newest first, a page says nothing about the older changes still unread, so the watermark moves
// once, after every page is committed: a stopped run moves nothing and the next one re-reads.
import { advanceWatermark, readWatermark } from '../db/watermarks.js';
import { finishRun, startRun } from '../db/runs.js';
import type { Contact, SearchFilter } from '../intercom/types.js';
import type { SyncContext } from './context.js';
import { saveContacts } from './contact-pages.js';
import { dayStart } from './partitions.js';
import { runStream, type StreamResult } from './stream.js';
import { keepRunAlive, markDeadRuns } from './run-liveness.js';

const DAY = 86_400;

export interface IncrementalSyncSummary {
  readonly runId: number;
  readonly status: 'succeeded' | 'failed';
  readonly since: string | null;
  readonly watermark: string | null;
  readonly durationMs: number;
  readonly streams: readonly StreamResult[];
  readonly error?: string;
}

/** The search for contacts updated on `fromSeconds`'s day or later (search compares whole days). */
export function changedSinceQuery(fromSeconds: number): SearchFilter {
  // `>` compares whole days: "> the day before" is "on that day or later".
  return { field: 'updated_at', operator: '>', value: Math.max(0, dayStart(fromSeconds) - DAY) };
}

/**
 * @example const summary = await runIncrementalSync(ctx, { trigger: 'schedule' });
 */
export async function runIncrementalSync(
  ctx: SyncContext,
  options: { trigger?: string; signal?: AbortSignal } = {},
): Promise<IncrementalSyncSummary> {
  const started = Date.now();
  const watermark = await readWatermark(ctx.db, 'contacts');
  const from = watermark ? Math.floor(watermark.getTime() / 1000) - ctx.settings.searchLagSeconds : 0;
  await markDeadRuns(ctx);
  const runId = await startRun(ctx.db, { kind: 'incremental', trigger: options.trigger ?? 'manual', options: { from } });
  let newest: Date | null = watermark;
  const stopHeartbeat = keepRunAlive(ctx, runId);

  const result = await runStream(ctx, runId, 'contacts', { sweep: false }, async (figures) => {
    const pages = ctx.intercom.contacts.search(changedSinceQuery(from), {
      perPage: 150,
      sort: { field: 'updated_at', order: 'descending' },
      lane: 'inbound',
      ...(options.signal && { signal: options.signal }),
    });
    let newestSeen: number | undefined;
    for await (const page of pages) {
      const changed = page.items.filter((c: Contact) => (c.updated_at ?? 0) >= from);
      const older = page.items.length - changed.length;
      figures.add({ fetched: older, unchanged: older });
      if (changed.length > 0) {
        const saved = await saveContacts(ctx, changed, {
          listed: true,
          park: { source: 'incremental', runId },
          ...(options.signal && { signal: options.signal }),
        });
        figures.add(saved.contacts);
        if (saved.newestUpdatedAt !== undefined) newestSeen = Math.max(newestSeen ?? 0, saved.newestUpdatedAt);
      }
      // Sorted newest first: once a page reaches before `from`, every later page does too.
      if (older > 0) break;
    }
    options.signal?.throwIfAborted();
    if (newestSeen !== undefined) {
      newest = await advanceWatermark(ctx.db, 'contacts', new Date(newestSeen * 1000), runId);
    }
  }).finally(stopHeartbeat);

  await finishRun(ctx.db, runId, result.error ? { status: 'failed', error: result.error } : { status: 'succeeded' });
  ctx.metrics?.runs.inc({ kind: 'incremental', outcome: result.error ? 'failed' : 'succeeded' });
  // One line per run, so a daemon's log shows the schedule working (and what each run brought).
  ctx.log.info(
    {
      runId,
      status: result.status,
      fetched: result.fetched,
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      apiCalls: result.apiCalls,
      durationMs: Date.now() - started,
    },
    'incremental sync finished',
  );
  return {
    runId,
    status: result.status,
    since: from > 0 ? new Date(from * 1000).toISOString() : null,
    watermark: newest ? (newest as Date).toISOString() : null,
    durationMs: Date.now() - started,
    streams: [result],
    ...(result.error && { error: result.error }),
  };
}
