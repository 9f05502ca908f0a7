// The streams read whole each pass: tags and segments (one call each) and companies (the scroll).
import { ensureChildren } from '../db/local-ids.js';
import { recordSeen } from '../db/mark-and-sweep.js';
import { addCounts, emptyCounts } from '../db/mirror-upsert.js';
import { unparkRecords } from '../db/parked-records.js';
import { readMirroredCompanies } from '../db/mirrored-state.js';
import { replaceLinks, type LinkSet } from '../db/upsert-links.js';
import { upsertCompanies } from '../db/upsert-companies.js';
import { upsertSegments, upsertTags } from '../db/upsert-tags-segments.js';
import { withSyncWrites } from '../db/sync-writes.js';
import { mapCompany, mapCompanyLists, type CompanyLists } from '../mappers/company.js';
import { mapSegment } from '../mappers/segment.js';
import { mapTag } from '../mappers/tag.js';
import type { Company } from '../intercom/types.js';
import { readAllCompanies } from './companies-reader.js';
import { readAhead } from './read-ahead.js';
import { clampFutureRows } from './future-updates.js';
import type { SyncContext } from './context.js';
import { mapPage, payloadIds } from './map-page.js';
import { writeIsolated } from './isolate.js';
import { parkPayload, refusalReason, type ParkSource } from './park.js';
import type { Tally } from './tally.js';
import { rereadTied } from './tied-rows.js';

type Report = (done: number, total?: number) => void;

/** @example await syncTagsList(ctx, runId, figures, report); */
export async function syncTagsList(
  ctx: SyncContext,
  runId: number,
  figures: Tally,
  report: Report,
): Promise<void> {
  const rows = (await ctx.intercom.listTags({ lane: 'inbound' })).map((t) => mapTag(t));
  figures.add({ fetched: rows.length });
  await withSyncWrites(ctx.db, async (trx) => {
    figures.add(await upsertTags(trx, rows));
    await recordSeen(
      trx,
      runId,
      'tags',
      rows.map((r) => r.intercom_id),
    );
  });
  report(rows.length, rows.length);
}

/** @example await syncSegmentsList(ctx, runId, figures, report); */
export async function syncSegmentsList(
  ctx: SyncContext,
  runId: number,
  figures: Tally,
  report: Report,
): Promise<void> {
  const rows = (await ctx.intercom.listSegments({ lane: 'inbound' })).map((s) => mapSegment(s));
  figures.add({ fetched: rows.length });
  await withSyncWrites(ctx.db, async (trx) => {
    figures.add(await upsertSegments(trx, rows));
    await recordSeen(
      trx,
      runId,
      'segments',
      rows.map((r) => r.intercom_id),
    );
  });
  report(rows.length, rows.length);
}

/** Companies page by page from the scroll, with their tag and segment links. */
export async function syncCompanies(
  ctx: SyncContext,
  runId: number,
  figures: Tally,
  report: Report,
  signal?: AbortSignal,
): Promise<void> {
  let done = 0;
  // The next scroll page is asked for while this one is written (read-ahead.ts).
  for await (const page of readAhead(readAllCompanies(ctx, undefined, signal))) {
    const saved = await saveCompanies(ctx, page, { runId, park: { source: 'full', runId } });
    figures.add(saved);
    done += page.length;
    report(done);
  }
}

export interface SaveCompaniesOptions {
  /** The full run recording what it saw (for mark and sweep); absent for webhooks. */
  readonly runId?: number | undefined;
  /** Webhook items: a field one does not carry keeps its stored value (as SaveContactsOptions.partial). */
  readonly partial?: boolean;
  /** Park a company that cannot be stored, with its reason, and write the rest (as SaveContactsOptions.park). */
  readonly park?: ParkSource;
  /** The companies were just read by id, after the stored rows were written (UpsertOptions.fresh). */
  readonly fresh?: boolean;
}

/**
 * Writes companies and their links; also used by webhooks (without a run). With `park`, a company
 * the mapper or Postgres refuses is parked with its reason and the rest are written.
 * @example await saveCompanies(ctx, [company], { partial: true });
 */
export async function saveCompanies(
  ctx: SyncContext,
  companies: readonly Company[],
  options: SaveCompaniesOptions = {},
) {
  const { park } = options;
  // As for contacts (contact-pages.ts): one statement reads the stored digests and links and records
  // the page as seen; a company stored from this very payload is neither mapped whole nor written again.
  const mirrored = await readMirroredCompanies(ctx.db, payloadIds(companies), options.runId);
  const malformed: Array<{ payload: Company; reason: string }> = [];
  const page = mapPage(companies, {
    mirrored,
    lists: mapCompanyLists,
    map: mapCompany,
    invalid: (error, payload) => {
      if (park) malformed.push({ payload, reason: error.message });
      else ctx.log.warn({ err: error.message }, 'skipping a company Intercom sent malformed');
    },
  });
  for (const { payload, reason } of malformed) await parkPayload(ctx, 'company', payload, reason, park!);
  const { lists } = page;
  const rows = clampFutureRows(ctx, page.rows);
  const absent = options.partial
    ? new Map(page.rows.map((row, i) => [rows[i]!, page.absent.get(row) ?? []] as const))
    : undefined;
  // A company's tags and segments arrive as full lists (docs/intercom-api.md#company-object), so they
  // replace; only lists that differ from the mirrored links are written.
  const differs = (list: CompanyLists['tags'], have: ReadonlySet<string> | undefined) =>
    list !== null &&
    (list.refs.length !== (have?.size ?? 0) || list.refs.some((r) => !have?.has(r.intercomId)));
  const relinked = lists.filter((m) => {
    const have = mirrored.get(m.intercomId);
    return differs(m.tags, have?.lists.tags) || differs(m.segments, have?.lists.segments);
  });
  const skipped = lists.length - rows.length;
  if (rows.length === 0 && relinked.length === 0) {
    return { fetched: companies.length, ...emptyCounts(), unchanged: skipped };
  }
  const sets = (
    pick: (m: CompanyLists) => CompanyLists['tags'],
    ids: ReadonlySet<string> | null,
  ): LinkSet[] =>
    relinked.flatMap((m) => {
      const list = pick(m);
      return list && (!ids || ids.has(m.intercomId))
        ? [{ parentIntercomId: m.intercomId, children: list.refs }]
        : [];
    });
  await withSyncWrites(ctx.db, (trx) =>
    ensureChildren(
      trx,
      'intercom.tags',
      relinked.flatMap((m) => m.tags?.refs ?? []),
    ),
  );
  await withSyncWrites(ctx.db, (trx) =>
    ensureChildren(
      trx,
      'intercom.segments',
      relinked.flatMap((m) => m.segments?.refs ?? []),
    ),
  );
  const tied = new Set<string>();
  const write = (ids: ReadonlySet<string> | null) =>
    withSyncWrites(ctx.db, async (trx) => {
      const part = ids ? rows.filter((r) => ids.has(r.intercom_id)) : rows;
      const counts = await upsertCompanies(trx, part, {
        ...(absent && { absent }),
        ...(options.fresh && { fresh: true }),
        tied: (ids) => ids.forEach((id) => tied.add(id)),
      });
      await replaceLinks(
        trx,
        'company_tags',
        sets((m) => m.tags, ids),
      );
      await replaceLinks(
        trx,
        'company_segments',
        sets((m) => m.segments, ids),
      );
      if (park)
        await unparkRecords(
          trx,
          'company',
          part.map((r) => r.intercom_id),
        );
      return counts;
    });
  let counts = emptyCounts();
  if (!park) counts = await write(null);
  else {
    // One unit per company: its row and its links stand or fall together.
    const payloads = new Map(companies.map((c) => [c.id, c]));
    const units = [...new Set([...rows.map((r) => r.intercom_id), ...relinked.map((m) => m.intercomId)])];
    const refused = (id: string, error: Error) =>
      parkPayload(ctx, 'company', payloads.get(id) ?? { id }, refusalReason(error), park);
    for (const part of await writeIsolated(units, (ids) => write(new Set(ids)), refused))
      counts = addCounts(counts, part);
  }
  ctx.metrics?.recordsSynced.inc({ entity: 'companies', operation: 'inserted' }, counts.inserted);
  ctx.metrics?.recordsSynced.inc({ entity: 'companies', operation: 'updated' }, counts.updated);
  await rereadTied(
    ctx,
    'company',
    tied,
    (id) => ctx.intercom.companies.get(id),
    (read) => saveCompanies(ctx, read, { fresh: true, ...(park && { park }) }),
  );
  return { fetched: companies.length, ...counts, unchanged: counts.unchanged + skipped };
}
