// Routes for the workspace's reference data beyond the 2.2 spec's paths: notes by id, tags,
// segments, admins, teams, `/me` and data attributes (listed and created), so a sync can read
// everything it mirrors.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { createAttribute, renderAttribute, STANDARD_ATTRIBUTES } from '../attribute-mutations.js';
import { renderAdmin, renderNote, renderSegment, renderTag } from '../render.js';
import type { Workspace } from '../workspace.js';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };
const notFound = (): ApiError => new ApiError(404, 'not_found', 'Resource Not Found');

export function registerCatalogRoutes(app: FastifyInstance, ws: Workspace): void {
  const { store } = ws;

  app.get<IdParams>('/notes/:id', async (request) => {
    const note = store.notes.get(request.params.id);
    const contact = note ? store.contacts.get(note.contactId) : undefined;
    if (!note || !contact || contact.state === 'deleted') throw notFound();
    return renderNote(note, store);
  });

  app.get('/tags', async () => ({ type: 'list', data: [...store.tags.values()].map(renderTag) }));
  app.post('/tags', async (request) => renderTag(ws.links.createTag(request.body)));
  app.delete<IdParams>('/tags/:id', async (request) => {
    const tag = ws.links.deleteTag(request.params.id);
    return { id: tag.id, object: 'tag', deleted: true };
  });
  app.get<IdParams>('/tags/:id', async (request) => {
    const tag = store.tags.get(request.params.id);
    if (!tag) throw notFound();
    return renderTag(tag);
  });

  // 2.x lists segments as `segment.list`; `include_count=true` adds member counts.
  app.get<IdParams>('/segments', async (request) => {
    const withCount = request.query.include_count === 'true';
    const segments = [...store.segments.values()].map((s) => {
      if (!withCount) return renderSegment(s);
      const inSegment = ws.search.segmentPredicate(s);
      let count = 0;
      for (const c of store.searchIndex.docs.values()) if (inSegment(c)) count += 1;
      return renderSegment(s, count);
    });
    return { type: 'segment.list', segments };
  });
  app.get<IdParams>('/segments/:id', async (request) => {
    const segment = store.segments.get(request.params.id);
    if (!segment) throw notFound();
    return renderSegment(segment);
  });

  app.get('/admins', async () => ({
    type: 'admin.list',
    admins: [...store.admins.values()].map((a) => renderAdmin(a, store.teamIdsOf(a.id))),
  }));
  app.get<IdParams>('/admins/:id', async (request) => {
    const admin = store.admins.get(request.params.id);
    if (!admin) throw new ApiError(404, 'admin_not_found', 'Admin Not Found');
    return renderAdmin(admin, store.teamIdsOf(admin.id));
  });
  const renderTeam = (t: { id: string; name: string; adminIds: readonly string[] }) => ({
    type: 'team',
    id: t.id,
    name: t.name,
    admin_ids: t.adminIds.map(Number),
  });
  app.get('/teams', async () => ({ type: 'team.list', teams: [...store.teams.values()].map(renderTeam) }));
  app.get<IdParams>('/teams/:id', async (request) => {
    const team = store.teams.get(request.params.id);
    if (!team) throw notFound();
    return renderTeam(team);
  });
  app.get('/me', async () => {
    const admin = [...store.admins.values()][0]!;
    return {
      ...renderAdmin(admin),
      app: { type: 'app', id_code: store.appId, name: 'Sandbox', region: 'US', timezone: 'UTC' },
    };
  });

  app.get<IdParams>('/data_attributes', async (request) => {
    const model = request.query.model ?? 'contact';
    if (model !== 'contact' && model !== 'company')
      throw new ApiError(400, 'parameter_invalid', 'model must be contact or company');
    const defs = model === 'contact' ? store.contactAttributes : store.companyAttributes;
    const standard = STANDARD_ATTRIBUTES[model].map(([name, type, writable]) => ({
      type: 'data_attribute',
      model,
      name,
      full_name: name,
      label: name,
      description: '',
      data_type: type,
      api_writable: writable,
      ui_writable: writable,
      custom: false,
      archived: false,
    }));
    return { type: 'list', data: [...standard, ...[...defs.values()].map((d) => renderAttribute(d, model))] };
  });
  app.post('/data_attributes', async (request) => {
    const { def, model } = createAttribute(store, request.body);
    return renderAttribute(def, model);
  });
}
