// Drift between the mirror and Intercom: reads every contact, company, tag and segment (and each
// contact's full tag and company lists) and reports what Postgres lacks, has extra, or holds stale.
// Users run it after incidents; the tests use it as their oracle. It never writes.
import pMap from 'p-map';
import { sql } from 'kysely';
import type { Contact } from '../intercom/types.js';
import { mapCompany, type MappedCompany } from '../mappers/company.js';
import { mapContact, type MappedContact } from '../mappers/contact.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import type { ReferenceList } from '../mappers/rows.js';
import { mapSegment } from '../mappers/segment.js';
import { mapTag } from '../mappers/tag.js';
import { readAllCompanies } from './companies-reader.js';
import { planPartitions, readContactPartitions } from './contacts-reader.js';
import type { SyncContext } from './context.js';

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
 * Intercom; stale: a mapped column differs. For links, `intercom_id` is the parent and the child
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
  readonly durationMs: number;
}

export interface VerifyOptions {
  /** Differences listed (all are counted). Default 100. */
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
  const found = new Differences(options.limit ?? 100);
  const checked = { contacts: 0, companies: 0, tags: 0, segments: 0 };
  const call = { lane: 'inbound' as const, ...(options.signal && { signal: options.signal }) };

  const [tags, segments] = await Promise.all([ctx.intercom.listTags(call), ctx.intercom.listSegments(call)]);
  checked.tags = tags.length;
  checked.segments = segments.length;
  await compareFlat(
    ctx,
    found,
    'tags',
    tags.map((t) => mapTag(t)),
    ['name'],
  );
  await compareFlat(
    ctx,
    found,
    'segments',
    segments.map((s) => mapSegment(s)),
    ['name', 'person_type', 'created_at', 'updated_at'],
  );

  const companiesSeen = new Set<string>();
  const contactsSeen = new Set<string>();
  await Promise.all([
    (async () => {
      for await (const page of readAllCompanies(ctx, undefined, options.signal)) {
        const mapped = mapAll(page, mapCompany, 'companies', found);
        for (const m of mapped) companiesSeen.add(m.row.intercom_id);
        checked.companies += page.length;
        await compareCompanies(ctx, found, mapped);
      }
    })(),
    (async () => {
      const onPage = async (items: readonly Contact[]) => {
        const mapped = mapAll(items, mapContact, 'contacts', found).filter(
          (m) => !contactsSeen.has(m.row.intercom_id),
        );
        for (const m of mapped) contactsSeen.add(m.row.intercom_id);
        checked.contacts += items.length;
        await compareContacts(ctx, found, mapped, options.signal);
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
  return {
    clean: found.total === 0,
    counts: found.counts(),
    checked,
    differences: found.listed,
    durationMs: Date.now() - started,
  };
}

/** Collects differences: counts every one, keeps the first `limit`. */
class Differences {
  readonly listed: Difference[] = [];
  total = 0;
  readonly #byKind = { missing: 0, extra: 0, stale: 0 };
  readonly #byEntity: Partial<Record<VerifiedEntity, number>> = {};
  constructor(private readonly limit: number) {}

  add(difference: Difference): void {
    this.total++;
    this.#byKind[difference.kind]++;
    this.#byEntity[difference.entity] = (this.#byEntity[difference.entity] ?? 0) + 1;
    if (this.listed.length < this.limit) this.listed.push(difference);
  }

  counts(): VerifyReport['counts'] {
    return { total: this.total, ...this.#byKind, byEntity: { ...this.#byEntity } };
  }
}

function mapAll<T>(
  payloads: readonly unknown[],
  map: (p: unknown) => T,
  entity: VerifiedEntity,
  found: Differences,
): T[] {
  const out: T[] = [];
  for (const payload of payloads) {
    try {
      out.push(map(payload));
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      // The sync skips a payload it cannot map, so the mirror cannot hold it: it is missing.
      found.add({
        entity,
        intercom_id: error.recordId ?? '(no id)',
        kind: 'missing',
        field: error.field,
        intercom: error.message,
      });
    }
  }
  return out;
}

type StoredRow = Record<string, unknown> & { intercom_id: string; deleted_at: Date | null };

async function storedRows(
  ctx: SyncContext,
  table: string,
  ids: readonly string[],
): Promise<Map<string, StoredRow>> {
  if (ids.length === 0) return new Map();
  const result = await sql<StoredRow>`
    select * from ${sql.table(table)} where intercom_id = any(${ids}::text[])`.execute(ctx.db);
  return new Map(result.rows.map((r) => [r.intercom_id, r]));
}

/** Compares one record's mapped columns (never `raw`) with its stored row. */
function compareRow(
  found: Differences,
  entity: VerifiedEntity,
  expected: { readonly intercom_id: string },
  stored: StoredRow | undefined,
  columns: readonly string[],
): boolean {
  const id = expected.intercom_id;
  const values = expected as unknown as Record<string, unknown>;
  if (!stored || stored.deleted_at !== null) {
    found.add({
      entity,
      intercom_id: id,
      kind: 'missing',
      ...(stored && { postgres: { deleted_at: stored.deleted_at } }),
    });
    return false;
  }
  for (const field of columns) {
    if (canonical(values[field]) !== canonical(stored[field])) {
      found.add({
        entity,
        intercom_id: id,
        kind: 'stale',
        field,
        intercom: values[field] ?? null,
        postgres: stored[field] ?? null,
      });
    }
  }
  return true;
}

async function compareFlat(
  ctx: SyncContext,
  found: Differences,
  entity: 'tags' | 'segments',
  rows: ReadonlyArray<{ readonly intercom_id: string }>,
  columns: readonly string[],
): Promise<void> {
  const stored = await storedRows(
    ctx,
    `intercom.${entity}`,
    rows.map((r) => r.intercom_id),
  );
  for (const row of rows) compareRow(found, entity, row, stored.get(row.intercom_id), columns);
  await reportExtra(ctx, found, entity, new Set(rows.map((r) => r.intercom_id)));
}

const CONTACT_COLUMNS = [
  'workspace_id',
  'external_id',
  'role',
  'email',
  'phone',
  'name',
  'avatar',
  'owner_id',
  'social_profiles',
  'has_hard_bounced',
  'marked_email_as_spam',
  'unsubscribed_from_emails',
  'language_override',
  'browser',
  'browser_version',
  'browser_language',
  'os',
  'location',
  'custom_attributes',
  'created_at',
  'updated_at',
  'signed_up_at',
  'last_seen_at',
  'last_replied_at',
  'last_contacted_at',
  'last_email_opened_at',
  'last_email_clicked_at',
  'archived',
] as const;

const COMPANY_COLUMNS = [
  'company_id',
  'app_id',
  'name',
  'plan',
  'size',
  'website',
  'industry',
  'monthly_spend',
  'session_count',
  'user_count',
  'custom_attributes',
  'remote_created_at',
  'created_at',
  'updated_at',
  'last_request_at',
] as const;

async function compareContacts(
  ctx: SyncContext,
  found: Differences,
  mapped: readonly MappedContact[],
  signal?: AbortSignal,
) {
  const ids = mapped.map((m) => m.row.intercom_id);
  const stored = await storedRows(ctx, 'intercom.contacts', ids);
  const present: MappedContact[] = [];
  for (const m of mapped) {
    // Listing and search return only active contacts, so one listed is not archived (notes §7).
    const expected = { ...m.row, archived: m.row.archived ?? false };
    if (compareRow(found, 'contacts', expected, stored.get(m.row.intercom_id), CONTACT_COLUMNS))
      present.push(m);
  }
  const links = await storedLinks(
    ctx,
    'contact',
    present.map((m) => m.row.intercom_id),
  );
  const notes = await storedNotes(
    ctx,
    present.map((m) => m.row.intercom_id),
  );
  const call = { lane: 'inbound' as const, ...(signal && { signal }) };
  await pMap(
    present,
    async (m) => {
      const id = m.row.intercom_id;
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

async function compareCompanies(ctx: SyncContext, found: Differences, mapped: readonly MappedCompany[]) {
  const stored = await storedRows(
    ctx,
    'intercom.companies',
    mapped.map((m) => m.row.intercom_id),
  );
  const present = mapped.filter((m) =>
    compareRow(found, 'companies', m.row, stored.get(m.row.intercom_id), COMPANY_COLUMNS),
  );
  const links = await storedLinks(
    ctx,
    'company',
    present.map((m) => m.row.intercom_id),
  );
  for (const m of present) {
    const id = m.row.intercom_id;
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

function compareLinks(
  found: Differences,
  entity: VerifiedEntity,
  parent: string,
  intercom: readonly string[],
  postgres: readonly string[],
) {
  const remote = new Set(intercom);
  const local = new Set(postgres);
  for (const child of remote)
    if (!local.has(child)) found.add({ entity, intercom_id: parent, kind: 'missing', intercom: child });
  for (const child of local)
    if (!remote.has(child)) found.add({ entity, intercom_id: parent, kind: 'extra', postgres: child });
}

/**
 * Notes are checked against what the contact embeds (count and the ids shown) without a call per
 * contact: notes cannot be edited, so a matching count and ids means the same notes.
 */
function compareNotes(found: Differences, contact: string, notes: ReferenceList, stored: readonly string[]) {
  const have = new Set(stored);
  for (const ref of notes.refs) {
    if (!have.has(ref.intercomId))
      found.add({
        entity: 'notes',
        intercom_id: ref.intercomId,
        kind: 'missing',
        field: `contact ${contact}`,
      });
  }
  const total = notes.totalCount ?? notes.refs.length;
  if (total !== stored.length) {
    found.add({
      entity: 'notes',
      intercom_id: contact,
      kind: 'stale',
      field: 'count',
      intercom: total,
      postgres: stored.length,
    });
  }
}

/** The mirrored links of parents (`contact` or `company`), keyed `tags:<id>`, `companies:<id>`, `segments:<id>`. */
async function storedLinks(
  ctx: SyncContext,
  parent: 'contact' | 'company',
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  const result =
    parent === 'contact'
      ? await sql<{ key: string; ids: string[] }>`
          select 'tags:' || c.intercom_id as key, array_agg(t.intercom_id) as ids
          from intercom.contacts c join intercom.contact_tags l on l.contact_id = c.id join intercom.tags t on t.id = l.tag_id
          where c.intercom_id = any(${ids}::text[]) group by c.intercom_id
          union all
          select 'companies:' || c.intercom_id, array_agg(co.intercom_id)
          from intercom.contacts c join intercom.contact_companies l on l.contact_id = c.id
            join intercom.companies co on co.id = l.company_id
          where c.intercom_id = any(${ids}::text[]) group by c.intercom_id`.execute(ctx.db)
      : await sql<{ key: string; ids: string[] }>`
          select 'tags:' || c.intercom_id as key, array_agg(t.intercom_id) as ids
          from intercom.companies c join intercom.company_tags l on l.company_id = c.id join intercom.tags t on t.id = l.tag_id
          where c.intercom_id = any(${ids}::text[]) group by c.intercom_id
          union all
          select 'segments:' || c.intercom_id, array_agg(s.intercom_id)
          from intercom.companies c join intercom.company_segments l on l.company_id = c.id
            join intercom.segments s on s.id = l.segment_id
          where c.intercom_id = any(${ids}::text[]) group by c.intercom_id`.execute(ctx.db);
  return new Map(result.rows.map((r) => [r.key, r.ids]));
}

async function storedNotes(ctx: SyncContext, contactIds: readonly string[]): Promise<Map<string, string[]>> {
  if (contactIds.length === 0) return new Map();
  const result = await sql<{ contact: string; ids: string[] }>`
    select c.intercom_id as contact, array_agg(n.intercom_id) as ids
    from intercom.contacts c join intercom.notes n on n.contact_id = c.id and n.deleted_at is null
    where c.intercom_id = any(${contactIds}::text[]) group by c.intercom_id`.execute(ctx.db);
  return new Map(result.rows.map((r) => [r.contact, r.ids]));
}

/** Live rows (not deleted; for contacts, not archived) that Intercom did not list. */
async function reportExtra(
  ctx: SyncContext,
  found: Differences,
  entity: 'contacts' | 'companies' | 'tags' | 'segments',
  seen: ReadonlySet<string>,
) {
  const archived = entity === 'contacts' ? sql`and not archived` : sql``;
  const result = await sql<{ intercom_id: string }>`
    select intercom_id from ${sql.table(`intercom.${entity}`)}
    where intercom_id is not null and deleted_at is null ${archived}`.execute(ctx.db);
  for (const { intercom_id } of result.rows)
    if (!seen.has(intercom_id)) found.add({ entity, intercom_id, kind: 'extra' });
}

/** A comparable form of a column value: Dates by instant, JSON with sorted keys, numbers by value. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `date:${value.getTime()}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `number:${Number(value)}`;
  if (typeof value === 'object') return `json:${JSON.stringify(sortKeys(value))}`;
  return `${typeof value}:${String(value)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
