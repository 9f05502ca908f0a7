// Routes for what hangs off a contact: its companies (attach/detach), tags, segments and notes.
import type { FastifyInstance } from 'fastify';
import { contactNotFound } from '../errors.js';
import type { ContactRecord } from '../model.js';
import { renderCompany, renderNote, renderSegment, renderTag, renderTags } from '../render.js';
import type { Workspace } from '../workspace.js';
import { intParam, pageUrl, simplePages } from './paging.js';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };

export function registerContactLinkRoutes(app: FastifyInstance, ws: Workspace): void {
  const { store } = ws;
  const contactOr404 = (id: string): ContactRecord => {
    const contact = store.activeContact(id);
    if (!contact) throw contactNotFound();
    return contact;
  };

  app.get<IdParams>('/contacts/:id/companies', async (request) => {
    const contact = contactOr404(request.params.id);
    const page = intParam(request.query.page, 'page', 1);
    const perPage = Math.min(intParam(request.query.per_page, 'per_page', 50), 150);
    const companies = contact.companyIds.flatMap((id) => {
      const c = store.liveCompany(id);
      return c ? [c] : [];
    });
    const slice = companies
      .slice((page - 1) * perPage, page * perPage)
      .map((c) => renderCompany(c, store, ws.restShape));
    const more = page * perPage < companies.length;
    const next = more ? pageUrl(request, `/contacts/${contact.id}/companies`, page + 1, perPage) : null;
    const pages = simplePages(page, perPage, companies.length, next, !ws.specLiteral);
    // Live lists companies under `data`; the spec names the array `companies`
    // (docs/intercom-api.md#attaching-contacts).
    return ws.specLiteral
      ? { type: 'company.list', companies: slice, pages, total_count: companies.length }
      : { type: 'list', data: slice, pages, total_count: companies.length };
  });

  app.post<IdParams>('/contacts/:id/companies', async (request) =>
    renderCompany(ws.links.attachCompany(request.params.id, request.body), store, ws.restShape),
  );

  app.delete<{ Params: { id: string; companyId: string } }>(
    '/contacts/:id/companies/:companyId',
    async (request) =>
      renderCompany(ws.links.detachCompany(request.params.id, request.params.companyId), store, ws.restShape),
  );

  app.get<IdParams>('/contacts/:id/tags', async (request) => {
    const contact = contactOr404(request.params.id);
    return { type: 'list', data: renderTags(contact.tagIds, store) };
  });

  app.post<IdParams>('/contacts/:id/tags', async (request) =>
    renderTag(ws.links.tag(request.params.id, request.body)),
  );

  app.delete<{ Params: { id: string; tagId: string } }>('/contacts/:id/tags/:tagId', async (request) =>
    renderTag(ws.links.untag(request.params.id, request.params.tagId)),
  );

  app.get<IdParams>('/contacts/:id/segments', async (request) => {
    const contact = contactOr404(request.params.id);
    const segments = [...store.segments.values()].filter((s) => ws.search.segmentPredicate(s)(contact));
    return { type: 'list', data: segments.map((s) => renderSegment(s)) };
  });

  app.get<IdParams>('/contacts/:id/notes', async (request) => {
    const contact = contactOr404(request.params.id);
    const page = intParam(request.query.page, 'page', 1);
    const perPage = Math.min(intParam(request.query.per_page, 'per_page', 50), 150);
    const notes = contact.noteIds
      .flatMap((id) => (store.notes.has(id) ? [store.notes.get(id)!] : []))
      .sort((a, b) => b.created_at - a.created_at || Number(b.id) - Number(a.id));
    const more = page * perPage < notes.length;
    const next = more ? pageUrl(request, `/contacts/${contact.id}/notes`, page + 1, perPage) : null;
    return {
      type: 'list',
      data: notes.slice((page - 1) * perPage, page * perPage).map((n) => renderNote(n, store)),
      pages: simplePages(page, perPage, notes.length, next, false),
      total_count: notes.length,
    };
  });

  app.post<IdParams>('/contacts/:id/notes', async (request) =>
    renderNote(ws.links.addNote(request.params.id, request.body), store),
  );
}
