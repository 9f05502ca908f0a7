// The incremental sync: contacts changed since the watermark, read through search.
//
// Search compares dates by day and indexes changes minutes late
// (docs/intercom-api.md#timestamps-compare-by-day, docs/intercom-api.md#index-lag), so
// `updated_at > watermark` alone loses same-day and late-indexed changes (docs/design.md#incremental-sync).
// We query from the day of (watermark − lag), keep the contacts whose exact updated_at is at or
// after that instant, and let the newer-wins upsert absorb the overlap (it writes nothing for
// rows already stored). The watermark moves with each committed page, never ahead of the rows.
import { advanceWatermark, readWatermark } from '../db/watermarks.js';
import { finishRun, startRun } from '../db/runs.js';
import type { Contact, SearchFilter } from '../intercom/types.js';
import type { SyncContext } from './context.js';
import { saveContacts } from './contact-pages.js';
import { dayStart } from './partitions.js';
import { runStream, type StreamResult } from './stream.js';

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

/** The search for contacts updated on `fromSeconds`'s day or later, oldest change first. */
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
  const runId = await startRun(ctx.db, {
    kind: 'incremental',
    trigger: options.trigger ?? 'manual',
    options: { from },
  });
  let newest: Date | null = watermark;

  const result = await runStream(ctx, runId, 'contacts', { sweep: false }, async (figures) => {
    const pages = ctx.intercom.contacts.search(changedSinceQuery(from), {
      perPage: 150,
      sort: { field: 'updated_at', order: 'ascending' },
      lane: 'inbound',
      ...(options.signal && { signal: options.signal }),
    });
    for await (const page of pages) {
      const changed = page.items.filter((c: Contact) => (c.updated_at ?? 0) >= from);
      figures.add({
        fetched: page.items.length - changed.length,
        unchanged: page.items.length - changed.length,
      });
      if (changed.length === 0) continue;
      const saved = await saveContacts(ctx, changed, {
        listed: true,
        ...(options.signal && { signal: options.signal }),
      });
      // After the page's notes and cut lists too, so a stop in between re-reads the page.
      if (saved.newestUpdatedAt !== undefined) {
        newest = await advanceWatermark(ctx.db, 'contacts', new Date(saved.newestUpdatedAt * 1000), runId);
      }
      figures.add(saved.contacts);
    }
  });

  await finishRun(
    ctx.db,
    runId,
    result.error ? { status: 'failed', error: result.error } : { status: 'succeeded' },
  );
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
