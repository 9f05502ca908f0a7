// Async iterators over the API's three paging styles: cursors, scroll and numbered pages.
// Each yields whole pages with their position, so a caller can checkpoint and resume. None trusts
// the server to end: a cursor handed out twice, a page number other than the one asked for, or the
// same page twice in a row ends the read with a PagingLoopError instead of looping forever.
import { ServiceError } from '../errors.js';

/** The server sent a listing that would never end (a cursor or page again); reading on would loop. */
export class PagingLoopError extends ServiceError {
  override name = 'PagingLoopError';
  constructor(message: string) {
    super(`${message}; the listing would never end, so the read stops here`, { permanent: true });
  }
}

/** The ids of a page's items in order, to tell a page served twice in a row (none if one has no id). */
function pageSignature(items: readonly unknown[]): string | undefined {
  const ids: string[] = [];
  for (const item of items) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    ids.push(String(id));
  }
  return ids.length === 0 ? undefined : ids.join(',');
}

/** Throws when `items` are the very page before them again (undefined signatures never match). */
function checkNotRepeated(
  previous: string | undefined,
  items: readonly unknown[],
  where: string,
): string | undefined {
  const signature = pageSignature(items);
  if (signature !== undefined && signature === previous)
    throw new PagingLoopError(
      `${where}: the server sent the same ${items.length} records as the page before`,
    );
  return signature;
}

/**
 * A list response in any of the shapes the spec and the live API use (docs/intercom-api.md#listing-contacts,
 * docs/intercom-api.md#company-listing).
 */
export interface ListBody<T> {
  readonly data?: readonly T[];
  readonly companies?: readonly T[];
  readonly tags?: readonly T[];
  readonly segments?: readonly T[];
  readonly notes?: readonly T[];
  readonly total_count?: number | null;
  readonly scroll_param?: string | null;
  readonly pages?: {
    readonly next?: { readonly starting_after?: string | null } | string | null;
    readonly page?: number;
    readonly per_page?: number;
    readonly total_pages?: number;
  } | null;
}

/** One page of a cursor listing (contacts list and search). */
export interface CursorPage<T> {
  readonly items: readonly T[];
  readonly totalCount: number | undefined;
  /** The cursor this page was fetched with; undefined for the first page. */
  readonly startingAfter: string | undefined;
  /** Cursor of the next page, undefined on the last one: store it to resume later. */
  readonly nextStartingAfter: string | undefined;
}

/** One page of the companies scroll. */
export interface ScrollPage<T> {
  readonly items: readonly T[];
  /** Send this back within a minute to get the next page (docs/intercom-api.md#scroll-expiry). */
  readonly scrollParam: string | undefined;
}

/** One page of a page-numbered listing (companies list, notes, a contact's tags/companies/segments). */
export interface NumberedPage<T> {
  readonly items: readonly T[];
  readonly page: number;
  readonly totalPages: number | undefined;
  readonly totalCount: number | undefined;
}

/** The array of a list body, whichever key it is under: `companies` in the spec, `data` live. */
export function itemsOf<T>(body: ListBody<T>): readonly T[] {
  return body.data ?? body.companies ?? body.tags ?? body.segments ?? body.notes ?? [];
}

/**
 * Follows `pages.next.starting_after` until it is absent (docs/intercom-api.md#listing-contacts).
 * @example for await (const page of cursorPages((after) => fetchContacts(after))) save(page.items, page.nextStartingAfter);
 */
export async function* cursorPages<T>(
  fetchPage: (startingAfter: string | undefined) => Promise<ListBody<T>>,
  startingAfter?: string,
): AsyncGenerator<CursorPage<T>, void, undefined> {
  let cursor = startingAfter;
  // Every cursor used so far: one handed out again would start a cycle.
  const used = new Set<string>(cursor === undefined ? [] : [cursor]);
  let previous: string | undefined;
  for (;;) {
    const body = await fetchPage(cursor);
    const next = body.pages?.next;
    const nextStartingAfter =
      typeof next === 'object' && next?.starting_after ? next.starting_after : undefined;
    previous = checkNotRepeated(previous, itemsOf(body), 'cursor listing');
    if (nextStartingAfter !== undefined && used.has(nextStartingAfter))
      throw new PagingLoopError(
        `cursor listing: the server handed out the cursor ${JSON.stringify(nextStartingAfter)} again`,
      );
    yield {
      items: itemsOf(body),
      totalCount: body.total_count ?? undefined,
      startingAfter: cursor,
      nextStartingAfter,
    };
    if (nextStartingAfter === undefined) return;
    used.add(nextStartingAfter);
    cursor = nextStartingAfter;
  }
}

/**
 * Follows `scroll_param` until a page comes back empty, which is how a scroll ends
 * (docs/intercom-api.md#scroll).
 * Errors are left to the caller: `scroll_exists` (another scroll is open) and 404 `not_found` (expired).
 * @example for await (const page of scrollPages((param) => fetchScroll(param))) upsert(page.items);
 */
export async function* scrollPages<T>(
  fetchPage: (scrollParam: string | undefined) => Promise<ListBody<T>>,
  scrollParam?: string,
): AsyncGenerator<ScrollPage<T>, void, undefined> {
  let param = scrollParam;
  let previous: string | undefined;
  for (;;) {
    const body = await fetchPage(param);
    const items = itemsOf(body);
    if (items.length === 0) return;
    // The scroll_param may stay the same from page to page, so only the pages themselves tell a loop.
    previous = checkNotRepeated(previous, items, 'scroll');
    param = body.scroll_param ?? undefined;
    yield { items, scrollParam: param };
    if (param === undefined) return;
  }
}

/**
 * Asks for page 1, 2, … while the body says there is a next page. A body without `pages` (the
 * per-contact tag and segment lists) is a single page.
 * @example for await (const page of numberedPages((n) => fetchNotes(contactId, n))) save(page.items);
 */
export async function* numberedPages<T>(
  fetchPage: (page: number) => Promise<ListBody<T>>,
  firstPage = 1,
): AsyncGenerator<NumberedPage<T>, void, undefined> {
  let previous: string | undefined;
  for (let page = firstPage; ;) {
    const body = await fetchPage(page);
    const items = itemsOf(body);
    const pages = body.pages ?? undefined;
    // The next page is asked for by our own count: a server that answers another page than the
    // one asked for (say page 1 again and again) would otherwise be followed round in a circle.
    if (typeof pages?.page === 'number' && pages.page !== page)
      throw new PagingLoopError(
        `numbered listing: asked for page ${page}, the server answered page ${pages.page}`,
      );
    previous = checkNotRepeated(previous, items, 'numbered listing');
    const current = page;
    const totalPages = pages?.total_pages;
    yield { items, page: current, totalPages, totalCount: body.total_count ?? undefined };
    if (items.length === 0 || pages === undefined) return;
    // `next` is a URL (or an object) while more pages exist and null on the last; some bodies carry only total_pages.
    const more =
      'next' in pages
        ? Boolean(pages.next) && (totalPages === undefined || current < totalPages)
        : totalPages !== undefined && current < totalPages;
    if (!more) return;
    page = current + 1;
  }
}
