// Query-string paging parameters and the two page envelopes the API uses: cursor pages
// (contacts) and numbered pages (companies, notes) (docs/intercom-api.md#company-listing,
// docs/intercom-api.md#listing-contacts).
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

/** Reads an integer query parameter; the API answers 400 for a non-integer (spec BadRequest example). */
export function intParam(raw: unknown, name: string, fallback: number, min = 1): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ApiError(
      400,
      'parameter_invalid',
      `${name === 'per_page' ? 'Per Page' : 'Page'} isn't an integer`,
    );
  }
  return n;
}

export function cursorPages(page: number, perPage: number, total: number, next: string | null) {
  const pages: Record<string, unknown> = {
    type: 'pages',
    page,
    per_page: perPage,
    total_pages: Math.ceil(total / perPage),
  };
  // The last page has no `next` (docs/intercom-api.md#listing-contacts).
  if (next !== null) pages.next = { page: page + 1, starting_after: next };
  return pages;
}

/** Numbered pages; `next` is a URL. Live sends `next: null` on the last page, the spec omits it. */
export function simplePages(
  page: number,
  perPage: number,
  total: number,
  nextUrl: string | null,
  nullNext: boolean,
) {
  const pages: Record<string, unknown> = {
    type: 'pages',
    page,
    per_page: perPage,
    total_pages: Math.ceil(total / perPage),
  };
  if (nextUrl !== null) pages.next = nextUrl;
  else if (nullNext) pages.next = null;
  return pages;
}

/** Absolute URL of a numbered page on this server (PagesSimple.next is a URI). */
export function pageUrl(request: FastifyRequest, path: string, page: number, perPage: number): string {
  return `${request.protocol}://${request.host}${path}?page=${page}&per_page=${perPage}`;
}
