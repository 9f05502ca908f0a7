// The control endpoints: full state dump, request statistics and runtime settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { apiClient, control, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;
// Rate windows move only when a test moves this clock.
const clock = new ManualClock();

beforeAll(async () => {
  sandbox = await startSandbox(
    {
      contacts: 120,
      companies: 10,
      seed: 12,
      rateLimit: 600,
      rateWindowMs: 1000,
    },
    { now: () => clock.now() },
  );
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

/** The start of the next 1-s rate window: a test's calls get all 10 of its slots. */
const freshWindow = () => clock.advanceTo((Math.floor(clock.now() / 1000) + 1) * 1000);

describe('control endpoints', () => {
  it('dump the whole state, archived and deleted contacts included', async () => {
    const c = await control(sandbox, 'POST', '/contacts', { role: 'user', email: 'dump@example.com' });
    await control(sandbox, 'POST', `/contacts/${c.body.id}/archive`);
    const full = await control(sandbox, 'GET', '/state');
    expect(Object.keys(full.body)).toEqual([
      'contacts',
      'companies',
      'notes',
      'tags',
      'segments',
      'admins',
      'plans',
      'links',
    ]);
    expect(full.body.contacts).toHaveLength(121);
    expect(full.body.contacts.find((x: any) => x.id === c.body.id).state).toBe('archived');
    const only = await control(sandbox, 'GET', '/state?entity=companies');
    expect(Object.keys(only.body)).toEqual(['companies']);
    expect(only.body.companies).toHaveLength(10);
    expect((await control(sandbox, 'GET', '/state?entity=nope')).status).toBe(400);
  });

  it('count calls by route and status, 429s and peak concurrency', async () => {
    await control(sandbox, 'POST', '/stats/reset');
    // Latency makes the parallel calls overlap inside the server.
    await control(sandbox, 'PATCH', '/settings', { latencyMs: 40 });
    await freshWindow();
    await Promise.all(Array.from({ length: 12 }, () => api('GET', '/contacts?per_page=1')));
    await api('GET', '/contacts/none');
    await control(sandbox, 'PATCH', '/settings', { latencyMs: 0 });
    const stats = (await control(sandbox, 'GET', '/stats')).body;
    const byStatus = stats.byRoute['GET /contacts'];
    expect(byStatus['200'] + (byStatus['429'] ?? 0)).toBe(12);
    expect(byStatus['429']).toBe(2);
    expect(stats.rateLimited).toBe(byStatus['429'] + (stats.byRoute['GET /contacts/:id']?.['429'] ?? 0));
    expect(stats.peakConcurrency).toBeGreaterThan(1);
    expect(stats.webhooks).toMatchObject({ queued: 0 });
  });

  it('change settings at run time and refuse invalid ones', async () => {
    const changed = await control(sandbox, 'PATCH', '/settings', {
      searchLagSeconds: 2,
      webhookTopics: 'legacy',
    });
    expect(changed.body).toMatchObject({ searchLagSeconds: 2, webhookTopics: 'legacy', rateWindowMs: 1000 });
    expect((await control(sandbox, 'GET', '/settings')).body.searchLagSeconds).toBe(2);
    expect((await control(sandbox, 'PATCH', '/settings', { faultRate: 2 })).status).toBe(400);
    expect((await control(sandbox, 'PATCH', '/settings', { unknownKnob: 1 })).status).toBe(400);
    await control(sandbox, 'PATCH', '/settings', { searchLagSeconds: 0, webhookTopics: 'modern' });
  });

  it('let an agent change companies and tags', async () => {
    const company = await control(sandbox, 'POST', '/companies', {
      company_id: 'agent-co',
      name: 'Agent Co',
    });
    const patched = await control(sandbox, 'PATCH', `/companies/${company.body.id}`, {
      industry: 'Robotics',
    });
    expect(patched.body.industry).toBe('Robotics');
    const tag = await control(sandbox, 'POST', '/tags', { name: 'agent-tag' });
    await freshWindow();
    expect((await api('GET', '/tags')).body.data.map((t: any) => t.name)).toContain('agent-tag');
    expect((await control(sandbox, 'DELETE', `/companies/${company.body.id}`)).body.deleted).toBe(true);
    expect(tag.body.type).toBe('tag');
  });
});
