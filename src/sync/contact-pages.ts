// Writes a batch of contacts read from Intercom: the rows, their tag and company links, and — only
// where needed — the calls for lists cut at 10, notes and (opt-in) segments. Used by the full and
// incremental syncs and by webhooks, so a contact is mirrored the same way whichever path read it.
import pMap from 'p-map';
import { readCutListReads, recordCutListReads, type CutList } from '../db/cut-list-reads.js';
import { ensureChildren } from '../db/local-ids.js';
import { readMirroredContacts, type MirroredContact } from '../db/mirrored-state.js';
import { addLinks, replaceLinks, type LinkSet } from '../db/upsert-links.js';
import { upsertContacts } from '../db/upsert-contacts.js';
import { upsertNotes } from '../db/upsert-notes.js';
import { withSyncWrites, type Executor } from '../db/sync-writes.js';
import { mapContact, mapContactLists, type ContactLists } from '../mappers/contact.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';
import { mapNote } from '../mappers/note.js';
import type { Reference } from '../mappers/rows.js';
import type { Contact } from '../intercom/types.js';
import type { SyncContext } from './context.js';
import { clampFutureRows, latestUpdatedAt } from './future-updates.js';
import { mapPage, payloadIds } from './map-page.js';
import { writeIsolated } from './isolate.js';
import { parkPayload, refusalReason, type ParkSource } from './park.js';
import { unparkRecords } from '../db/parked-records.js';
import { tally, type Tally } from './tally.js';
import { rereadTied } from './tied-rows.js';

export interface SaveContactsOptions {
  /** The full run recording what it saw (for mark and sweep); absent for incremental and webhooks. */
  readonly runId?: number;
  readonly signal?: AbortSignal;
  /**
   * The contacts came from list or search, which return only active contacts
   * (docs/intercom-api.md#archive-delete-merge): one that
   * does not say `archived` (2.2 payloads never do) is then known not to be, e.g. unarchived since.
   */
  readonly listed?: boolean;
  /**
   * Park what cannot be stored (a payload the mapper refuses, a row Postgres refuses) with its
   * reason and write the rest of the batch; without it a refused row fails the batch (one webhook
   * item must fail on its own).
   */
  readonly park?: ParkSource;
  /**
   * The contacts are webhook items (mappers/webhook-item.ts): a field one does not carry is
   * unknown, so its column keeps the stored value (UpsertOptions.absent).
   */
  readonly partial?: boolean;
  /** The contacts were just read by id, after the stored rows were written (UpsertOptions.fresh). */
  readonly fresh?: boolean;
}

/** Figures of one batch, by stream: `contacts` and `notes`. */
export interface SavedContacts {
  readonly contacts: Tally;
  readonly notes: Tally;
  /** Payloads that could not be mapped (logged with the reason, never written). */
  readonly invalid: number;
  /** Contacts and notes parked instead of written (with `park`). */
  readonly parked: number;
  /** Newest updated_at among the contacts written, in UNIX seconds. */
  readonly newestUpdatedAt: number | undefined;
}

/**
 * @example const saved = await saveContacts(ctx, page.items, { runId, listed: true });
 */
export async function saveContacts(
  ctx: SyncContext,
  contacts: readonly Contact[],
  options: SaveContactsOptions = {},
): Promise<SavedContacts> {
  // What the mirror holds for these contacts (one statement, which also records them as seen by the
  // run); contacts stored from this very payload are neither mapped whole nor written again.
  const mirrored = await readMirroredContacts(ctx.db, payloadIds(contacts), options.runId);
  const malformed: Array<{ payload: Contact; reason: string }> = [];
  const page = mapPage(contacts, {
    mirrored,
    agrees: (stored, payload) => archivedAgrees(stored, payload, options.listed),
    lists: mapContactLists,
    map: mapContact,
    invalid: (error, payload) => {
      if (options.park) malformed.push({ payload, reason: error.message });
      else ctx.log.warn({ err: error.message, id: payload.id }, 'skipping a contact Intercom sent malformed');
    },
  });
  let parked = 0;
  for (const { payload, reason } of malformed) {
    await parkPayload(ctx, 'contact', payload, reason, options.park!);
    parked++;
  }
  const { lists, invalid } = page;
  const latestMs = latestUpdatedAt(ctx);
  // Listed contacts are active (docs/intercom-api.md#archive-delete-merge): one whose payload does not say is
  // known not to be archived.
  const rows = clampFutureRows(
    ctx,
    page.rows.map((row) => (options.listed && row.archived === null ? { ...row, archived: false } : row)),
  );
  const absent = options.partial
    ? new Map(page.rows.map((row, i) => [rows[i]!, page.absent.get(row) ?? []] as const))
    : undefined;
  const contactTally = tally({ fetched: contacts.length, unchanged: lists.length - rows.length });

  // Only contacts whose embedded tags or companies say otherwise get their links written (a
  // no-change pass otherwise spent ~30 statements a page rewriting nothing), and cut lists that
  // still match are not re-read.
  const relinked = lists.filter((m) => linksDiffer(m, mirrored.get(m.intercomId)));
  const tied = new Set<string>();
  if (rows.length > 0 || relinked.length > 0) {
    // Placeholder tags and companies first, each in its own short transaction: inside the page's
    // they would hold shared rows' locks for its whole length (deadlocks across partitions). Marked
    // as the sync's writes like every other, or the outbox would capture them as local creations.
    const tagRefs = relinked.flatMap((m) => m.tags?.refs ?? []);
    const companyRefs = relinked.flatMap((m) => m.companies?.refs ?? []);
    if (tagRefs.length > 0)
      await withSyncWrites(ctx.db, (trx) => ensureChildren(trx, 'intercom.tags', tagRefs));
    if (companyRefs.length > 0)
      await withSyncWrites(ctx.db, (trx) => ensureChildren(trx, 'intercom.companies', companyRefs));
    // Counts are taken from the committed attempt only: a deadlock retry re-runs the callback.
    const write = (ids: ReadonlySet<string> | null) =>
      withSyncWrites(ctx.db, async (trx) => {
        const part = ids ? rows.filter((r) => ids.has(r.intercom_id)) : rows;
        const upserted = await upsertContacts(trx, part, {
          ...(absent && { absent }),
          ...(options.fresh && { fresh: true }),
          // A rolled-back attempt's ties are read again too: a spare read, never a wrong row.
          tied: (ids) => ids.forEach((id) => tied.add(id)),
        });
        await writeEmbeddedLinks(trx, ids ? relinked.filter((m) => ids.has(m.intercomId)) : relinked);
        if (options.park)
          await unparkRecords(
            trx,
            'contact',
            part.map((r) => r.intercom_id),
          );
        return upserted;
      });
    const from = options.park;
    if (!from) contactTally.add(await write(null));
    else {
      // One unit per contact: its row and its links stand or fall together.
      const payloads = new Map(contacts.map((c) => [c.id, c]));
      const units = [...new Set([...rows.map((r) => r.intercom_id), ...relinked.map((m) => m.intercomId)])];
      const refused = async (id: string, error: Error) => {
        await parkPayload(ctx, 'contact', payloads.get(id) ?? { id }, refusalReason(error), from);
        parked++;
      };
      for (const counts of await writeIsolated(units, (part) => write(new Set(part)), refused))
        contactTally.add(counts);
    }
  }
  ctx.metrics?.recordsSynced.inc({ entity: 'contacts', operation: 'inserted' }, contactTally.inserted);
  ctx.metrics?.recordsSynced.inc({ entity: 'contacts', operation: 'updated' }, contactTally.updated);
  await rereadTied(
    ctx,
    'contact',
    tied,
    (id) => ctx.intercom.contacts.get(id, { signal: options.signal }),
    (read) => saveContacts(ctx, read, { fresh: true, ...(options.park && { park: options.park }) }),
  );

  await completeCutLists(ctx, lists, mirrored, options.signal);
  const notes = await syncNotes(ctx, lists, mirrored, options, () => parked++);
  if (ctx.settings.contactSegments) await syncSegments(ctx, lists, options.signal);

  // Held to the same bound as the rows: a future updated_at must not carry the watermark past now.
  const newest = lists.reduce<number | undefined>((max, m) => {
    const t = m.updatedAt ? Math.floor(Math.min(m.updatedAt.getTime(), latestMs) / 1000) : undefined;
    return t !== undefined && (max === undefined || t > max) ? t : max;
  }, undefined);
  return { contacts: contactTally, notes, invalid, parked, newestUpdatedAt: newest };
}

/** Whether the stored archived flag is what `payload` would map to (a digest does not cover `listed`). */
function archivedAgrees(stored: Mirrored, payload: Contact, listed: boolean | undefined): boolean {
  const said = (payload as { archived?: unknown }).archived;
  const archived = typeof said === 'boolean' ? said : listed ? false : null;
  return archived === null || archived === stored.archived;
}

/** Embedded tags and companies: a complete list replaces the links, a cut one only adds. */
async function writeEmbeddedLinks(trx: Executor, mapped: readonly ContactLists[]): Promise<void> {
  const sets = (pick: (m: ContactLists) => ContactLists['tags'], complete: boolean): LinkSet[] =>
    mapped.flatMap((m) => {
      const list = pick(m);
      return list && list.complete === complete
        ? [{ parentIntercomId: m.intercomId, children: list.refs }]
        : [];
    });
  // saveContacts made the placeholders already, each in a short transaction of its own.
  const ensured = { childrenEnsured: true };
  await replaceLinks(
    trx,
    'contact_tags',
    sets((m) => m.tags, true),
    ensured,
  );
  await addLinks(
    trx,
    'contact_tags',
    sets((m) => m.tags, false),
    ensured,
  );
  await replaceLinks(
    trx,
    'contact_companies',
    sets((m) => m.companies, true),
    ensured,
  );
  await addLinks(
    trx,
    'contact_companies',
    sets((m) => m.companies, false),
    ensured,
  );
}

/** Whether a contact's embedded tags or companies name a link the mirror lacks, or (complete) lacks one it has. */
function linksDiffer(m: ContactLists, have: Mirrored | undefined): boolean {
  const differs = (list: ContactLists['tags'], ids: ReadonlySet<string> = new Set()) => {
    if (!list) return false;
    if (list.refs.some((r) => !ids.has(r.intercomId))) return true;
    return list.complete && ids.size !== new Set(list.refs.map((r) => r.intercomId)).size;
  };
  return differs(m.tags, have?.lists.tags) || differs(m.companies, have?.lists.companies);
}

/**
 * Lists Intercom cut at 10 (`has_more`): read them whole and replace the links. `mirrored` is the
 * mirror before this page's links were written; a list judged against it is re-read at least as
 * often as against the state after (new entries shown make it stale either way).
 */
async function completeCutLists(
  ctx: SyncContext,
  mapped: readonly ContactLists[],
  mirrored: ReadonlyMap<string, Mirrored>,
  signal?: AbortSignal,
) {
  const cut = mapped.filter((m) => m.tags?.complete === false || m.companies?.complete === false);
  if (cut.length === 0) return;
  // A cut list whose total and shown entries match the mirrored links has not changed: skip the call.
  const disagrees = (list: ContactLists['tags'], have: ReadonlySet<string> | undefined) =>
    list?.complete === false &&
    (!have || have.size !== list.totalCount || list.refs.some((r) => !have.has(r.intercomId)));
  // One that disagrees is read whole once per change of what the contact embeds: Intercom's total
  // can disagree with its own list endpoint for good (docs/intercom-api.md#lists-cut-at-10).
  // One entry per contact (a batch may carry one twice): the last, as written one after another.
  const candidates = [...new Map(cut.map((m) => [m.intercomId, m])).values()].filter((m) => {
    const have = mirrored.get(m.intercomId);
    return disagrees(m.tags, have?.lists.tags) || disagrees(m.companies, have?.lists.companies);
  });
  if (candidates.length === 0) return;
  const reads = await readCutListReads(
    ctx.db,
    candidates.map((m) => m.intercomId),
  );
  const due = (m: ContactLists, list: CutList) =>
    disagrees(m[list], mirrored.get(m.intercomId)?.lists[list]) &&
    reads.get(`${m.intercomId}:${list}`) !== embeddedSignature(m, list);
  // The calls run `detailConcurrency` at a time; what they read is written in one transaction for
  // the page (a transaction per contact cost ~9 statements each, most of a first sync's CPU).
  const read = await pMap(
    candidates,
    async (m) => {
      const id = m.intercomId;
      const call = { lane: 'inbound' as const, ...(signal && { signal }) };
      const tags = due(m, 'tags') ? await collect(ctx.intercom.contacts.tags(id, call), refOf) : undefined;
      const companies = due(m, 'companies')
        ? await collect(ctx.intercom.contacts.companies(id, call), refOf)
        : undefined;
      return { m, tags, companies };
    },
    { concurrency: ctx.settings.detailConcurrency, ...(signal && { signal }) },
  );
  const sets = (list: CutList): LinkSet[] =>
    read.flatMap((r) => (r[list] ? [{ parentIntercomId: r.m.intercomId, children: r[list] }] : []));
  const tagSets = sets('tags');
  const companySets = sets('companies');
  if (tagSets.length === 0 && companySets.length === 0) return;
  // Placeholders first, each in its own short transaction, as for the page's rows (saveContacts).
  const tagRefs = tagSets.flatMap((s) => s.children);
  const companyRefs = companySets.flatMap((s) => s.children);
  if (tagRefs.length > 0)
    await withSyncWrites(ctx.db, (trx) => ensureChildren(trx, 'intercom.tags', tagRefs));
  if (companyRefs.length > 0)
    await withSyncWrites(ctx.db, (trx) => ensureChildren(trx, 'intercom.companies', companyRefs));
  await withSyncWrites(ctx.db, async (trx) => {
    await replaceLinks(trx, 'contact_tags', tagSets, { childrenEnsured: true });
    await replaceLinks(trx, 'contact_companies', companySets, { childrenEnsured: true });
    await recordCutListReads(
      trx,
      read.flatMap((r) =>
        (['tags', 'companies'] as const).flatMap((list) =>
          r[list] ? [{ contactId: r.m.intercomId, list, embedded: embeddedSignature(r.m, list) }] : [],
        ),
      ),
    );
  });
}

/**
 * What a contact embeds of one list (its total and the entries shown): while that stays the same,
 * the last whole read stands. A tag put on or taken off changes the total; the tag topics say so too.
 */
function embeddedSignature(m: ContactLists, list: CutList): string {
  const embedded = m[list];
  return `${embedded?.totalCount ?? ''}|${(embedded?.refs ?? []).map((r) => r.intercomId).join(',')}`;
}

type Mirrored = MirroredContact;

/**
 * Notes have no listing and no webhook (docs/design.md#embedded-lists-and-notes), so they are read per
 * contact — only for contacts whose embedded notes (count and the ids shown) differ from what is mirrored.
 * Intercom notes cannot be edited, so same count and same ids means nothing new to read.
 */
async function syncNotes(
  ctx: SyncContext,
  mapped: readonly ContactLists[],
  mirrored: ReadonlyMap<string, Mirrored>,
  options: SaveContactsOptions,
  onParked: () => void,
): Promise<Tally> {
  const notesTally = tally();
  const stale = [...new Map(mapped.map((m) => [m.intercomId, m])).values()].filter((m) => {
    const total = m.notes?.totalCount ?? m.notes?.refs.length ?? 0;
    if (total === 0) return false;
    const have = mirrored.get(m.intercomId)?.lists.notes;
    return !have || have.size !== total || m.notes!.refs.some((r) => !have.has(r.intercomId));
  });
  // Read `detailConcurrency` contacts at a time, then written together: one transaction for the
  // page's notes, not one per contact.
  const read = await pMap(
    stale,
    async (m) => {
      const id = m.intercomId;
      const pages = ctx.intercom.contacts.notes(id, {
        lane: 'inbound',
        ...(options.signal && { signal: options.signal }),
      });
      return collect(pages, (n) => ({ payload: n, row: mapNote(n, { contactIntercomId: id }) }));
    },
    { concurrency: ctx.settings.detailConcurrency, ...(options.signal && { signal: options.signal }) },
  );
  const rows = read.flat();
  notesTally.add({ fetched: rows.length });
  if (rows.length === 0) return notesTally;
  // Not recorded as seen: notes are never swept (only changed contacts' notes are re-read).
  const write = (part: readonly (typeof rows)[number][]) =>
    withSyncWrites(ctx.db, (trx) =>
      upsertNotes(
        trx,
        part.map((r) => r.row),
      ),
    );
  const from = options.park;
  if (!from) {
    notesTally.add(await write(rows));
    return notesTally;
  }
  const refused = async (note: (typeof rows)[number], error: Error) => {
    await parkPayload(ctx, 'note', note.payload, refusalReason(error), from);
    onParked();
  };
  for (const counts of await writeIsolated(rows, write, refused)) notesTally.add(counts);
  return notesTally;
}

/** A contact's segments cost one call each, so this runs only when enabled (README). */
async function syncSegments(ctx: SyncContext, mapped: readonly ContactLists[], signal?: AbortSignal) {
  await pMap(
    mapped,
    async (m) => {
      const id = m.intercomId;
      const segments = await collect(
        ctx.intercom.contacts.segments(id, { lane: 'inbound', ...(signal && { signal }) }),
        refOf,
      );
      await withSyncWrites(ctx.db, (trx) =>
        replaceLinks(trx, 'contact_segments', [{ parentIntercomId: id, children: segments }]),
      );
    },
    { concurrency: ctx.settings.detailConcurrency, ...(signal && { signal }) },
  );
}

function refOf(item: { id?: string | number; name?: string | null }): Reference {
  if (item.id === undefined) throw new InvalidPayloadError('list entry', null, 'id', 'an entry has no id');
  return { intercomId: String(item.id), name: item.name ?? null };
}

async function collect<T, R>(
  pages: AsyncIterable<{ readonly items: readonly T[] }>,
  map: (item: T) => R,
): Promise<R[]> {
  const out: R[] = [];
  for await (const page of pages) for (const item of page.items) out.push(map(item));
  return out;
}
