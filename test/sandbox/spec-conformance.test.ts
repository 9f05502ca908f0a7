// Every route of the 2.2 spec (and the live extras) answers, and every answer — success and
// error — matches the spec's schema, or the documented live shape, in both modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, exercised, type Api } from './support/api.js';
import { spec } from './support/spec-schemas.js';

describe.each([
  ['live', false],
  ['spec', true],
] as const)('%s mode', (mode, specLiteral) => {
  let sandbox: Sandbox;
  let api: Api;

  beforeAll(async () => {
    sandbox = await startSandbox({ contacts: 400, companies: 40, seed: 11, specLiteral, rateLimit: 0 });
    api = apiClient(sandbox);
    // Count only this file's calls, even when other files ran in this process before (isolate: false).
    for (const key of exercised) if (key.endsWith(` ${mode}`)) exercised.delete(key);
  });
  afterAll(async () => sandbox.close());

  // The last test sums up the calls of the ones before it, so this block keeps its order when the
  // rest of the suite is shuffled.
  describe('route by route, then the coverage', { shuffle: false }, () => {
    it('answers every contact route with its schema', async () => {
      const list = await api('GET', '/contacts?per_page=150');
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(150);
      const page2 = await api(
        'GET',
        `/contacts?per_page=150&starting_after=${encodeURIComponent(list.body.pages.next.starting_after)}`,
      );
      expect(page2.status).toBe(200);
      const user = list.body.data.find(
        (c: any) => c.role === 'user' && c.companies.total_count > 0 && c.tags.total_count > 0,
      );
      const lead = list.body.data.find((c: any) => c.role === 'lead');
      expect(user && lead).toBeTruthy();

      expect((await api('GET', `/contacts/${user.id}`)).status).toBe(200);
      const created = await api('POST', '/contacts', {
        role: 'user',
        email: `conf-${mode}@example.com`,
        name: 'Zoë Ünïcode',
      });
      expect(created.status).toBe(200);
      expect((await api('PUT', `/contacts/${created.body.id}`, { name: 'Zoë Renamed' })).body.name).toBe(
        'Zoë Renamed',
      );
      expect(
        (await api('POST', '/contacts/search', { query: { field: 'role', operator: '=', value: 'lead' } }))
          .status,
      ).toBe(200);
      expect((await api('GET', `/contacts/${user.id}/companies`)).status).toBe(200);
      expect((await api('GET', `/contacts/${user.id}/tags`)).status).toBe(200);
      expect((await api('GET', `/contacts/${user.id}/segments`)).status).toBe(200);
      expect((await api('GET', `/contacts/${user.id}/notes`)).status).toBe(200);
      const note = await api('POST', `/contacts/${user.id}/notes`, {
        body: '<p>Hi</p>',
        admin_id: [...sandbox.store.admins.keys()][0],
      });
      expect(note.status).toBe(200);
      expect((await api('GET', `/notes/${note.body.id}`)).status).toBe(200);
      const company = [...sandbox.store.companies.values()][0]!;
      expect((await api('POST', `/contacts/${created.body.id}/companies`, { id: company.id })).status).toBe(
        200,
      );
      expect((await api('DELETE', `/contacts/${created.body.id}/companies/${company.id}`)).status).toBe(200);
      const tag = [...sandbox.store.tags.values()][0]!;
      expect((await api('POST', `/contacts/${created.body.id}/tags`, { id: tag.id })).status).toBe(200);
      expect((await api('DELETE', `/contacts/${created.body.id}/tags/${tag.id}`)).status).toBe(200);
      expect((await api('POST', '/contacts/merge', { from: lead.id, into: created.body.id })).status).toBe(
        200,
      );
      expect((await api('POST', `/contacts/${created.body.id}/archive`)).status).toBe(200);
      expect((await api('POST', `/contacts/${created.body.id}/unarchive`)).status).toBe(200);
      expect((await api('DELETE', `/contacts/${created.body.id}`)).status).toBe(200);
    });

    it('answers every company route with its schema', async () => {
      const list = await api('GET', '/companies?per_page=5');
      expect(list.status).toBe(200);
      const companies = specLiteral ? list.body.companies : list.body.data;
      expect(companies).toHaveLength(5);
      expect((await api('GET', '/companies/?per_page=5&page=2')).status).toBe(200);
      const upserted = await api('POST', '/companies', {
        company_id: `conf-${mode}`,
        name: 'Société Générale Test',
        plan: 'pro',
      });
      expect(upserted.status).toBe(200);
      expect((await api('GET', `/companies?company_id=conf-${mode}`)).body.id).toBe(upserted.body.id);
      expect(
        (await api('GET', `/companies/?name=${encodeURIComponent('Société Générale Test')}`)).status,
      ).toBe(200);
      expect((await api('GET', `/companies/${upserted.body.id}`)).status).toBe(200);
      const first = companies[0];
      expect((await api('GET', `/companies/${first.id}/contacts`)).status).toBe(200);
      expect((await api('GET', `/companies/${first.id}/segments`)).status).toBe(200);
      let page = await api('GET', '/companies/scroll');
      while ((specLiteral ? page.body.companies : page.body.data).length > 0) {
        page = await api('GET', `/companies/scroll?scroll_param=${page.body.scroll_param}`);
      }
      expect((await api('DELETE', `/companies/${upserted.body.id}`)).status).toBe(200);
    });

    it('answers the live routes outside the 2.2 paths with the component schemas', async () => {
      expect((await api('GET', '/tags')).status).toBe(200);
      const tag = await api('POST', '/tags', { name: `tag-${mode}` });
      expect((await api('GET', `/tags/${tag.body.id}`)).status).toBe(200);
      const segments = await api('GET', '/segments?include_count=true');
      expect(segments.body.segments.length).toBeGreaterThan(0);
      expect((await api('GET', `/segments/${segments.body.segments[0].id}`)).status).toBe(200);
      const admins = await api('GET', '/admins');
      expect((await api('GET', `/admins/${admins.body.admins[0].id}`)).status).toBe(200);
      expect((await api('GET', '/me')).status).toBe(200);
      expect((await api('GET', '/data_attributes?model=contact')).body.data.length).toBeGreaterThan(4);
    });

    it('answers errors with the error.list envelope', async () => {
      const missing = '5f0000000000000000000000';
      for (const [method, path, body] of [
        ['GET', `/contacts/${missing}`],
        ['PUT', `/contacts/${missing}`, { name: 'x' }],
        ['DELETE', `/contacts/${missing}`],
        ['POST', `/contacts/${missing}/archive`],
        ['POST', `/contacts/${missing}/unarchive`],
        ['GET', `/contacts/${missing}/companies`],
        ['POST', `/contacts/${missing}/companies`, { id: 'x' }],
        ['GET', `/contacts/${missing}/tags`],
        ['GET', `/contacts/${missing}/segments`],
        ['GET', `/contacts/${missing}/notes`],
        ['POST', `/contacts/${missing}/notes`, { body: 'x', admin_id: '1' }],
        ['DELETE', `/contacts/${missing}/companies/${missing}`],
        ['POST', '/contacts/merge', { from: missing, into: missing }],
        ['GET', `/companies/${missing}`],
        ['DELETE', `/companies/${missing}`],
        ['GET', `/companies/${missing}/contacts`],
        ['GET', `/companies/${missing}/segments`],
        ['GET', '/companies?company_id=nope'],
        ['GET', '/companies/scroll?scroll_param=nope'],
        ['GET', `/notes/999`],
        ['GET', '/no/such/route'],
      ] as Array<[string, string, unknown?]>) {
        const response = await api(method, path, body);
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.type).toBe('error.list');
      }
      const bad = await api('POST', '/contacts/search', {
        query: { field: 'nope', operator: '=', value: 1 },
      });
      expect(bad.status).toBe(400);
      const version = await fetch(`${sandbox.url}/me`, {
        headers: { authorization: `Bearer ${sandbox.options.token}`, 'intercom-version': '9.9' },
      });
      expect(version.status).toBe(400);
      expect(((await version.json()) as any).errors[0].code).toBe('intercom_version_invalid');
      const pinned = await fetch(`${sandbox.url}/me`, {
        headers: { authorization: `Bearer ${sandbox.options.token}`, 'intercom-version': '2.2' },
      });
      expect(pinned.status).toBe(200);
      const unauthorized = await api('GET', '/contacts', undefined, { token: 'wrong' });
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.body.errors[0]).toEqual({ code: 'unauthorized', message: 'Access Token Invalid' });
    });

    it('has exercised every path and method of the spec', () => {
      const missing: string[] = [];
      for (const [path, ops] of Object.entries(spec.paths)) {
        for (const method of Object.keys(ops)) {
          if (method === 'parameters') continue;
          const key = `${method.toUpperCase()} ${path.replace(/\/$/, '')} ${mode}`;
          if (!exercised.has(key)) missing.push(key);
        }
      }
      expect(missing).toEqual([]);
    });
  });

  describe('the schema check itself', () => {
    it('rejects shapes that break the spec, so passing means something', async () => {
      const { SpecValidator } = await import('./support/spec-schemas.js');
      const validator = new SpecValidator();
      expect(validator.check('Contact', { type: 'contact', id: 'x', role: 'user' })).toMatch(/workspace_id/);
      expect(validator.check('CompanyList', { type: 'list', data: [] })).toMatch(/companies/);
      expect(validator.check('DeleteContactResponse', { id: 'x', object: 'contact', deleted: true })).toMatch(
        /string/,
      );
      expect(
        validator.check('Contact', {
          type: 'contact',
          id: 'x',
          role: 'user',
          workspace_id: 'w',
          email: null,
          created_at: 1,
        }),
      ).toBeNull();
    });
  });
});
