// Company routes: the numbered list capped at 10,000 records, lookup by company_id or name,
// create-or-update, the scroll, get, delete, and a company's contacts and segments.
import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, companyNotFound } from '../errors.js';
import type { CompanyRecord } from '../model.js';
import { renderCompany, renderContact, renderSegments } from '../render.js';
import type { Workspace } from '../workspace.js';
import { cursorPages, intParam, pageUrl, simplePages } from './paging.js';

type Query = { Querystring: Record<string, string> };
type IdParams = { Params: { id: string }; Querystring: Record<string, string> };

export function registerCompanyRoutes(app: FastifyInstance, ws: Workspace): void {
  const { store } = ws;
  const render = (c: CompanyRecord) => renderCompany(c, store, ws.restShape);
  const companyOr404 = (id: string): CompanyRecord => {
    const company = store.liveCompany(id);
    if (!company) throw companyNotFound();
    return company;
  };
  /** Live arrays are `data` with type `list`; the spec says `companies` / `company.list`. */
  const companyList = (companies: Record<string, unknown>[], rest: Record<string, unknown>) =>
    ws.specLiteral
      ? { type: 'company.list', companies, ...rest }
      : { type: 'list', data: companies, ...rest };

  // `/companies` and the spec's `/companies/` are one route (trailing slashes are ignored).
  app.get<Query>('/companies', async (request) => {
    const { company_id: companyId, name } = request.query;
    if (companyId !== undefined || name !== undefined) {
      // In 2.x a lookup answers one company object or 404 (docs/intercom-api.md#company-listing, OAS-2.5).
      const id = companyId !== undefined ? store.companyByExternalId.get(companyId) : undefined;
      const found =
        id !== undefined
          ? store.liveCompany(id)
          : name !== undefined && companyId === undefined
            ? [...store.companies.values()].find((c) => !c.deleted && c.name === name)
            : undefined;
      if (!found) throw companyNotFound();
      return render(found);
    }
    const page = intParam(request.query.page, 'page', 1);
    // Default 15 per page (docs/intercom-api.md#company-listing), at most 150.
    const perPage = Math.min(intParam(request.query.per_page, 'per_page', 15), 150);
    const offset = (page - 1) * perPage;
    // Listing stops at 10,000 records: beyond that only the scroll reaches
    // (docs/intercom-api.md#company-listing).
    if (offset >= ws.companiesListCap) {
      throw new ApiError(400, 'bad_request', 'page limit reached, please use scroll API');
    }
    const ascending = request.query.order === 'asc';
    // Companies without users are not listed (docs/intercom-api.md#company-listing); order by
    // last_request_at.
    const listed = [...store.companies.values()]
      .filter((c) => !c.deleted && store.userCount(c.id) > 0)
      .sort((a, b) => {
        const d = (a.last_request_at ?? 0) - (b.last_request_at ?? 0) || (a.id < b.id ? -1 : 1);
        return ascending ? d : -d;
      });
    const end = Math.min(offset + perPage, ws.companiesListCap);
    const next = offset + perPage < listed.length ? pageUrl(request, '/companies', page + 1, perPage) : null;
    return companyList(listed.slice(offset, end).map(render), {
      pages: simplePages(page, perPage, listed.length, next, !ws.specLiteral),
      total_count: listed.length,
    });
  });

  app.post('/companies', async (request) => render(ws.companies.upsert(request.body)));

  app.get<Query>('/companies/scroll', async (request) => {
    const result = ws.scroll.next(request.query.scroll_param);
    const companies = result.companies.map(render);
    // Live: `{type:list, data, pages:null, total_count:null, scroll_param}` (docs/intercom-api.md#scroll).
    return ws.specLiteral
      ? { type: 'company.list', companies, scroll_param: result.scrollParam }
      : { type: 'list', data: companies, pages: null, total_count: null, scroll_param: result.scrollParam };
  });

  app.get<IdParams>('/companies/:id', async (request) => render(companyOr404(request.params.id)));

  app.delete<IdParams>('/companies/:id', async (request) => {
    const company = ws.companies.delete(request.params.id);
    return { id: company.id, object: 'company', deleted: true };
  });

  app.get<IdParams>('/companies/:id/contacts', async (request) => {
    const company = companyOr404(request.params.id);
    const perPage = Math.min(intParam(request.query.per_page, 'per_page', 50), 150);
    const after = request.query.starting_after;
    const cursor = after ? decodeCursor(after) : null;
    const contacts = store.contactsOfCompany(company.id);
    let start = 0;
    if (cursor) {
      start = contacts.findIndex(
        (c) => c.created_at > (cursor.v as number) || (c.created_at === cursor.v && c.id > cursor.id),
      );
      if (start < 0) start = contacts.length;
    }
    const slice = contacts.slice(start, start + perPage);
    const page = cursor?.page ?? 1;
    const last = slice[slice.length - 1];
    const next =
      start + perPage < contacts.length && last
        ? encodeCursor({ v: last.created_at, id: last.id, page: page + 1 })
        : null;
    return {
      type: 'list',
      data: slice.map((c) => renderContact(c, store.appId)),
      total_count: contacts.length,
      pages: cursorPages(page, perPage, contacts.length, next),
    };
  });

  app.get<IdParams>('/companies/:id/segments', async (request) => {
    const company = companyOr404(request.params.id);
    return { type: 'list', data: renderSegments(company.segmentIds, store) };
  });
}
