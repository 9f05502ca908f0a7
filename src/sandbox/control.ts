// Control endpoints for tests and demos, outside the API's rules: no auth, no rate limit, no
// latency or faults. Changes made here act "as an agent in the Intercom UI would", so each one
// emits its webhook like an API change does.
//
//   GET    /_sandbox/health                       {"ok":true}
//   GET    /_sandbox/settings                     the runtime knobs
//   PATCH  /_sandbox/settings                     change knobs: latencyMs, faultRate, faultKinds, timeoutFaultMs,
//                                                 rateLimit, rateWindowMs, searchLagSeconds, scrollExpirySeconds,
//                                                 scrollFaultRate, clockOffsetSeconds, webhookUrl, webhookSecret,
//                                                 webhookTopics, webhookMergedFromRate,
//                                                 webhookDuplicateRate, webhookReorderWindow,
//                                                 webhookRetryDelayMs, webhookTimeoutMs
//   GET    /_sandbox/stats                        calls by route and status, 429s, faults, peak concurrency, webhooks
//   POST   /_sandbox/stats/reset                  zero the request statistics
//   GET    /_sandbox/state[?entity=…]             full dump (streamed); entity = contacts|companies|notes|tags|
//                                                 segments|admins|plans|links; contacts carry `state`
//                                                 (active|archived|deleted|merged) and `mergedInto`
//   POST   /_sandbox/contacts                     create a contact (API body)
//   PATCH  /_sandbox/contacts/:id                 update a contact (API body)
//   POST   /_sandbox/contacts/:id/archive|unarchive|delete
//   POST   /_sandbox/contacts/merge               {"from": lead id, "into": user id}
//   POST   /_sandbox/contacts/:id/tags            {"id": tag id};    DELETE /_sandbox/contacts/:id/tags/:tagId
//   POST   /_sandbox/contacts/:id/companies       {"id": company id}; DELETE /_sandbox/contacts/:id/companies/:companyId
//   POST   /_sandbox/contacts/:id/notes           {"body", "admin_id"}
//   POST   /_sandbox/contacts/:id/tag-total       {"extra": n}: the embedded tags.total_count counts n tags
//                                                 that /contacts/:id/tags never lists (a live quirk; no webhook)
//   POST   /_sandbox/companies                    create-or-update by company_id
//   PATCH  /_sandbox/companies/:id                update by Intercom id
//   DELETE /_sandbox/companies/:id
//   POST   /_sandbox/tags                         {"name"}; DELETE /_sandbox/tags/:id (an agent deletes a tag)
//   POST   /_sandbox/scroll/reset                 expire the open companies scroll
//   GET    /_sandbox/webhooks                     delivery counters and the recent delivery log
//   POST   /_sandbox/webhooks/ping                send a `ping` (notification id null) to the subscriber
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ApiError } from './errors.js';
import { parseSettingsPatch, type RuntimeSettings } from './options.js';
import { renderCompany, renderContact, renderNote, renderTag } from './render.js';
import type { RequestStats } from './stats.js';
import type { WebhookDispatcher } from './webhooks.js';
import type { Workspace } from './workspace.js';

export const CONTROL_PREFIX = '/_sandbox';

export interface ControlDeps {
  readonly ws: Workspace;
  readonly stats: RequestStats;
  readonly webhooks: WebhookDispatcher;
  readonly settings: () => RuntimeSettings;
  readonly updateSettings: (patch: Partial<RuntimeSettings>) => RuntimeSettings;
}

type Id = { Params: { id: string } };
const ENTITIES = ['contacts', 'companies', 'notes', 'tags', 'segments', 'admins', 'plans', 'links'] as const;

export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { ws, stats, webhooks } = deps;
  const { store } = ws;
  const contact = (c: Parameters<typeof renderContact>[0]) => renderContact(c, store.appId);
  const p = CONTROL_PREFIX;

  app.get(`${p}/health`, async () => ({ ok: true }));
  app.get(`${p}/settings`, async () => deps.settings());
  app.patch(`${p}/settings`, async (request) => {
    try {
      return deps.updateSettings(parseSettingsPatch(request.body ?? {}));
    } catch (error) {
      if (error instanceof ZodError)
        throw new ApiError(
          400,
          'parameter_invalid',
          error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      throw error;
    }
  });
  app.get(`${p}/stats`, async () => ({
    ...stats.snapshot(),
    webhooks: webhooks.stats(),
    searchIndexPending: store.searchIndex.pendingCount,
    scrollOpen: ws.scroll.isOpen(),
  }));
  app.post(`${p}/stats/reset`, async () => {
    stats.reset();
    return { ok: true };
  });
  app.get(`${p}/webhooks`, async () => ({ ...webhooks.stats(), log: webhooks.log }));
  app.post(`${p}/webhooks/ping`, async () => {
    if (!webhooks.ping())
      throw new ApiError(400, 'parameter_invalid', 'no webhook subscriber is set (webhookUrl)');
    return { queued: true };
  });
  app.post(`${p}/scroll/reset`, async () => {
    ws.scroll.reset();
    return { ok: true };
  });

  app.get<{ Querystring: { entity?: string } }>(`${p}/state`, async (request, reply) => {
    const entity = request.query.entity;
    if (entity !== undefined && !(ENTITIES as readonly string[]).includes(entity)) {
      throw new ApiError(400, 'parameter_invalid', `entity must be one of ${ENTITIES.join(', ')}`);
    }
    const wanted = entity ? [entity] : [...ENTITIES];
    reply.type('application/json');
    return reply.send(Readable.from(dumpState(ws, wanted)));
  });

  app.post(`${p}/contacts`, async (request) => contact(ws.contacts.create(request.body)));
  app.patch<Id>(`${p}/contacts/:id`, async (request) =>
    contact(ws.contacts.update(request.params.id, request.body)),
  );
  app.post<Id>(`${p}/contacts/:id/archive`, async (request) =>
    contact(ws.contacts.archive(request.params.id)),
  );
  app.post<Id>(`${p}/contacts/:id/unarchive`, async (request) =>
    contact(ws.contacts.unarchive(request.params.id)),
  );
  app.post<Id>(`${p}/contacts/:id/delete`, async (request) => {
    const deleted = ws.contacts.delete(request.params.id);
    return { id: deleted.id, object: 'contact', deleted: true };
  });
  app.post(`${p}/contacts/merge`, async (request) => contact(ws.contacts.merge(request.body)));
  app.post<Id>(`${p}/contacts/:id/tags`, async (request) =>
    renderTag(ws.links.tag(request.params.id, request.body)),
  );
  app.delete<{ Params: { id: string; tagId: string } }>(`${p}/contacts/:id/tags/:tagId`, async (request) =>
    renderTag(ws.links.untag(request.params.id, request.params.tagId)),
  );
  app.post<Id>(`${p}/contacts/:id/companies`, async (request) =>
    renderCompany(ws.links.attachCompany(request.params.id, request.body), store, ws.restShape),
  );
  app.delete<{ Params: { id: string; companyId: string } }>(
    `${p}/contacts/:id/companies/:companyId`,
    async (request) =>
      renderCompany(ws.links.detachCompany(request.params.id, request.params.companyId), store, ws.restShape),
  );
  app.post<Id>(`${p}/contacts/:id/notes`, async (request) =>
    renderNote(ws.links.addNote(request.params.id, request.body), store),
  );
  app.post<Id>(`${p}/contacts/:id/tag-total`, async (request) => {
    const extra = (request.body as { extra?: unknown } | undefined)?.extra;
    if (typeof extra !== 'number' || !Number.isInteger(extra) || extra < 0)
      throw new ApiError(400, 'parameter_invalid', 'extra must be a non-negative integer');
    const current = store.activeContact(request.params.id);
    if (!current) throw new ApiError(404, 'not_found', 'User Not Found');
    const next = { ...current, tagTotalExtra: extra };
    store.putContact(next);
    return contact(next);
  });
  app.post(`${p}/companies`, async (request) =>
    renderCompany(ws.companies.upsert(request.body), store, ws.restShape),
  );
  app.patch<Id>(`${p}/companies/:id`, async (request) =>
    renderCompany(ws.companies.update(request.params.id, request.body), store, ws.restShape),
  );
  app.delete<Id>(`${p}/companies/:id`, async (request) => {
    const deleted = ws.companies.delete(request.params.id);
    return { id: deleted.id, object: 'company', deleted: true };
  });
  app.post(`${p}/tags`, async (request) => renderTag(ws.links.createTag(request.body)));
  app.delete<Id>(`${p}/tags/:id`, async (request) => renderTag(ws.links.deleteTag(request.params.id)));
}

/** Streams `{"contacts":[…],"companies":[…],…}` in chunks, so 100k contacts never build one string. */
async function* dumpState(ws: Workspace, entities: string[]): AsyncGenerator<string> {
  const { store } = ws;
  const sources: Record<string, () => Iterable<unknown>> = {
    contacts: () => store.contacts.values(),
    companies: () => store.companies.values(),
    notes: () => store.notes.values(),
    tags: () => store.tags.values(),
    segments: () => store.segments.values(),
    admins: () => store.admins.values(),
    plans: () => store.plans.values(),
    links: function* () {
      for (const c of store.contacts.values())
        for (const companyId of c.companyIds) yield { contactId: c.id, companyId, state: c.state };
    },
  };
  yield '{';
  for (const [i, entity] of entities.entries()) {
    yield `${i > 0 ? ',' : ''}${JSON.stringify(entity)}:[`;
    let n = 0;
    let chunk: string[] = [];
    for (const record of sources[entity]!()) {
      chunk.push(JSON.stringify(record));
      if (chunk.length === 1000) {
        yield (n > 0 ? ',' : '') + chunk.join(',');
        n += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield (n > 0 ? ',' : '') + chunk.join(',');
    yield ']';
  }
  yield '}';
}
