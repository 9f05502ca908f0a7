// Contact routes: list (cursor pages), create, search, get, update, delete, archive,
// unarchive and merge, in the live shapes (or the spec's with --spec-literal).
import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { contactNotFound } from '../errors.js';
import { renderContact } from '../render.js';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../search.js';
import type { Workspace } from '../workspace.js';
import { cursorPages, intParam } from './paging.js';

type IdParams = { Params: { id: string } };

export function registerContactRoutes(app: FastifyInstance, ws: Workspace): void {
  const { store } = ws;
  const render = (c: Parameters<typeof renderContact>[0]) => renderContact(c, store.appId);

  app.get<{ Querystring: Record<string, string> }>('/contacts', async (request) => {
    // per_page: default 50, max 150 (docs/intercom-api.md#listing-contacts).
    const perPage = Math.min(intParam(request.query.per_page, 'per_page', DEFAULT_PER_PAGE), MAX_PER_PAGE);
    const after = request.query.starting_after;
    const cursor = after ? decodeCursor(after) : null;
    const index = store.listIndex;
    let i = cursor ? index.lowerBound(cursor.v, cursor.id) : 0;
    const at = index.at(i);
    if (cursor && at && at.id === cursor.id) i += 1;
    const data = [];
    for (; i < index.size && data.length < perPage; i++) data.push(store.contacts.get(index.at(i)!.id)!);
    const page = cursor?.page ?? 1;
    const last = data[data.length - 1];
    const next =
      i < index.size && last ? encodeCursor({ v: last.created_at, id: last.id, page: page + 1 }) : null;
    return {
      type: 'list',
      data: data.map(render),
      total_count: store.activeContactCount,
      pages: cursorPages(page, perPage, store.activeContactCount, next),
    };
  });

  app.post('/contacts', async (request) => render(ws.contacts.create(request.body)));

  // Pagination travels in the body; a starting_after in the URL is ignored
  // (docs/intercom-api.md#search-requests).
  app.post('/contacts/search', async (request) => {
    const result = ws.search.search(request.body ?? {});
    return {
      type: 'list',
      data: result.contacts.map(render),
      total_count: result.total,
      pages: cursorPages(result.page, result.perPage, result.total, result.next),
    };
  });

  app.get<IdParams>('/contacts/:id', async (request) => {
    const contact = store.activeContact(request.params.id);
    if (!contact) throw contactNotFound();
    return render(contact);
  });

  app.put<IdParams>('/contacts/:id', async (request) =>
    render(ws.contacts.update(request.params.id, request.body)),
  );

  app.delete<IdParams>('/contacts/:id', async (request) => {
    const contact = ws.contacts.delete(request.params.id);
    // The spec types `deleted` as a string; the live API sends a boolean.
    return { id: contact.id, object: 'contact', deleted: ws.specLiteral ? 'true' : true };
  });

  app.post<IdParams>('/contacts/:id/archive', async (request) => {
    const contact = ws.contacts.archive(request.params.id);
    return { id: contact.id, object: 'contact', archived: true };
  });

  app.post<IdParams>('/contacts/:id/unarchive', async (request) => {
    const contact = ws.contacts.unarchive(request.params.id);
    return { id: contact.id, object: 'contact', archived: false };
  });

  app.post('/contacts/merge', async (request) => render(ws.contacts.merge(request.body)));
}
