// Drift between the mirror and Intercom: reads every contact, company, tag and segment (and each
// contact's full tag and company lists) and reports what Postgres lacks, has extra, or holds stale.
// Users run it after incidents; the tests use it as their oracle. It never writes.
import pMap from 'p-map';
import type { Contact } from '../intercom/types.js';
import type { Catalog } from '../mappers/catalog/column.js';
import { companyCatalog } from '../mappers/catalog/company.js';
import { contactCatalog } from '../mappers/catalog/contact.js';
import { segmentCatalog, tagCatalog } from '../mappers/catalog/tag-segment.js';
import { mapColumn } from '../mappers/catalog/map-row.js';
import { mapCompanyLists, type CompanyLists } from '../mappers/company.js';
import { mapContactLists, type ContactLists } from '../mappers/contact.js';
import type { ReferenceList } from '../mappers/rows.js';
import { readAllCompanies } from './companies-reader.js';
import { planPartitions, readContactPartitions } from './contacts-reader.js';
import type { SyncContext } from './context.js';
import { compareLinks, compareNotes, compareRow, Differences, readAll, type Read } from './verify-compare.js';
import { liveIds, storedLinks, storedNotes, storedRows } from '../db/verify-read.js';
import type { InterruptedRun } from '../db/integrity-read.js';
import {
  findDuplicates,
  findInterruptedRuns,
  IdentityIndex,
  type DuplicateContacts,
} from './verify-findings.js';
import { DEFAULT_VERIFY_LIMIT } from './verify-limit.js';

export type VerifiedEntity =
  | 'contacts'
  | 'companies'
  | 'tags'
  | 'segments'
  | 'notes'
  | 'contact_tags'
  | 'contact_companies'
  | 'company_tags'
  | 'company_segments';

/**
 * missing: in Intercom, absent (or marked deleted) in Postgres; extra: live in Postgres, not in
 * Intercom; stale: a column differs (by the entity's catalog, compared with Intercom's payload as
 * sent, not as the sync maps it). For links, `intercom_id` is the parent and the child
 * id is in `intercom` (missing) or `postgres` (extra).
 */
export interface Difference {
  readonly entity: VerifiedEntity;
  readonly intercom_id: string;
  readonly kind: 'missing' | 'extra' | 'stale';
  readonly field?: string;
  readonly intercom?: unknown;
  readonly postgres?: unknown;
}

export interface VerifyReport {
  readonly clean: boolean;
  /** Every difference counted, also those past the listed limit. */
  readonly counts: {
    total: number;
    missing: number;
    extra: number;
    stale: number;
    byEntity: Partial<Record<VerifiedEntity, number>>;
  };
  /** Records read from Intercom, per entity. */
  readonly checked: Record<'contacts' | 'companies' | 'tags' | 'segments', number>;
  /** The first `limit` differences. */
  readonly differences: readonly Difference[];
  /** Contacts that are one record twice in Intercom (verify-findings.ts). */
  readonly duplicates: readonly DuplicateContacts[];
  /** Runs left `running` with nothing moving for RUN_IDLE_MS. */
  readonly interruptedRuns: readonly InterruptedRun[];
  readonly durationMs: number;
}

export { DEFAULT_VERIFY_LIMIT };

export interface VerifyOptions {
  /** Differences listed (all are counted). Default DEFAULT_VERIFY_LIMIT. */
  readonly limit?: number;
  /**
   * How contacts are read: `list` (one cursor over GET /contacts, independent of the sync's
   * reader, the default) or `search` (the sync's parallel created_at partitions, faster).
   */
  readonly contactsVia?: 'list' | 'search';
  readonly signal?: AbortSignal;
}

/**
 * @example const report = await verifyMirror(ctx); if (!report.clean) console.log(report.differences);
 */
export async function verifyMirror(ctx: SyncContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const found = new Differences(options.limit ?? DEFAULT_VERIFY_LIMIT);
  const checked = { contacts: 0, companies: 0, tags: 0, segments: 0 };
  const call = { lane: 'inbound' as const, ...(options.signal && { signal: options.signal }) };

  const [tags, segments] = await Promise.all([ctx.intercom.listTags(call), ctx.intercom.listSegments(call)]);
  checked.tags = tags.length;
  checked.segments = segments.length;
  await compareFlat(ctx, found, 'tags', tagCatalog, tags);
  await compareFlat(ctx, found, 'segments', segmentCatalog, segments);

  const identities = new IdentityIndex();
  const companiesSeen = new Set<string>();
  const contactsSeen = new Set<string>();
  await Promise.all([
    (async () => {
      for await (const page of readAllCompanies(ctx, undefined, options.signal)) {
        const read = readAll(page, mapCompanyLists, 'companies', found);
        for (const r of read) companiesSeen.add(r.value.intercomId);
        checked.companies += page.length;
        await compareCompanies(ctx, found, read);
      }
    })(),
    (async () => {
      const onPage = async (items: readonly Contact[]) => {
        const read = readAll(items, mapContactLists, 'contacts', found).filter(
          (r) => !contactsSeen.has(r.value.intercomId),
        );
        for (const r of read) contactsSeen.add(r.value.intercomId);
        identities.add(items);
        checked.contacts += items.length;
        await compareContacts(ctx, found, read, options.signal);
      };
      if (options.contactsVia === 'search') {
        const partitions = await planPartitions(ctx);
        await readContactPartitions(
          ctx,
          partitions,
          new Map(),
          (_p, page) => onPage(page.items),
          options.signal,
        );
      } else {
        for await (const page of ctx.intercom.contacts.list({ perPage: 150, ...call }))
          await onPage(page.items);
      }
    })(),
  ]);
  await reportExtra(ctx, found, 'companies', companiesSeen);
  await reportExtra(ctx, found, 'contacts', contactsSeen);
  const duplicates = await findDuplicates(ctx.db, identities);
  const interrupted = await findInterruptedRuns(ctx.db);
  return {
    clean: found.total === 0 && duplicates.length === 0 && interrupted.length === 0,
    counts: found.counts(),
    checked,
    differences: found.listed,
    duplicates,
    interruptedRuns: interrupted,
    durationMs: Date.now() - started,
  };
}

async function compareFlat(
  ctx: SyncContext,
  found: Differences,
  entity: 'tags' | 'segments',
  catalog: Catalog,
  payloads: readonly unknown[],
): Promise<void> {
  const read = readAll(payloads, (p) => mapColumn(catalog, p, 'intercom_id'), entity, found);
  const stored = await storedRows(
    ctx.db,
    `intercom.${entity}`,
    read.map((r) => r.value),
  );
  for (const r of read)
    compareRow(found, { entity, catalog, id: r.value, payload: r.payload, stored: stored.get(r.value) });
  await reportExtra(ctx, found, entity, new Set(read.map((r) => r.value)));
}

async function compareContacts(
  ctx: SyncContext,
  found: Differences,
  read: readonly Read<ContactLists>[],
  signal?: AbortSignal,
) {
  const ids = read.map((r) => r.value.intercomId);
  const stored = await storedRows(ctx.db, 'intercom.contacts', ids);
  // Listing and search return only active contacts, so one listed is not archived (docs/intercom-api.md#identity).
  const compare = ({ value, payload }: Read<ContactLists>) =>
    compareRow(found, {
      entity: 'contacts',
      catalog: contactCatalog,
      id: value.intercomId,
      payload,
      stored: stored.get(value.intercomId),
      listed: true,
    });
  const present = read.filter(compare).map((r) => r.value);
  const links = await storedLinks(
    ctx.db,
    'contact',
    present.map((m) => m.intercomId),
  );
  const notes = await storedNotes(
    ctx.db,
    present.map((m) => m.intercomId),
  );
  const call = { lane: 'inbound' as const, ...(signal && { signal }) };
  await pMap(
    present,
    async (m) => {
      const id = m.intercomId;
      // A list Intercom cut at 10 is read whole, as the sync does.
      const full = async (
        list: ReferenceList | null,
        read: () => AsyncIterable<{ items: readonly { id?: string | number }[] }>,
      ) => {
        if (!list) return null;
        if (list.complete) return list.refs.map((r) => r.intercomId);
        const out: string[] = [];
        for await (const page of read()) for (const item of page.items) out.push(String(item.id));
        return out;
      };
      const tags = await full(m.tags, () => ctx.intercom.contacts.tags(id, call));
      const companies = await full(m.companies, () => ctx.intercom.contacts.companies(id, call));
      if (tags) compareLinks(found, 'contact_tags', id, tags, links.get(`tags:${id}`) ?? []);
      if (companies)
        compareLinks(found, 'contact_companies', id, companies, links.get(`companies:${id}`) ?? []);
      if (m.notes) compareNotes(found, id, m.notes, notes.get(id) ?? []);
    },
    { concurrency: ctx.settings.detailConcurrency, ...(signal && { signal }) },
  );
}

async function compareCompanies(ctx: SyncContext, found: Differences, read: readonly Read<CompanyLists>[]) {
  const stored = await storedRows(
    ctx.db,
    'intercom.companies',
    read.map((r) => r.value.intercomId),
  );
  const present = read
    .filter((r) =>
      compareRow(found, {
        entity: 'companies',
        catalog: companyCatalog,
        id: r.value.intercomId,
        payload: r.payload,
        stored: stored.get(r.value.intercomId),
      }),
    )
    .map((r) => r.value);
  const links = await storedLinks(
    ctx.db,
    'company',
    present.map((m) => m.intercomId),
  );
  for (const m of present) {
    const id = m.intercomId;
    if (m.tags)
      compareLinks(
        found,
        'company_tags',
        id,
        m.tags.refs.map((r) => r.intercomId),
        links.get(`tags:${id}`) ?? [],
      );
    if (m.segments) {
      compareLinks(
        found,
        'company_segments',
        id,
        m.segments.refs.map((r) => r.intercomId),
        links.get(`segments:${id}`) ?? [],
      );
    }
  }
}

/** Live rows (not deleted; for contacts, not archived) that Intercom did not list. */
async function reportExtra(
  ctx: SyncContext,
  found: Differences,
  entity: 'contacts' | 'companies' | 'tags' | 'segments',
  seen: ReadonlySet<string>,
) {
  for (const intercom_id of await liveIds(ctx.db, entity))
    if (!seen.has(intercom_id)) found.add({ entity, intercom_id, kind: 'extra' });
}
