// REST answers with the quirks live workspaces show (test/fixtures/live/rest): `plan: {}` for a
// company without a plan, companies without names, 20-character request ids, and embedded tag
// totals that disagree with the tag list, each seedable or settable so the service can be tested on them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { loadRest } from '../fixtures/live/index.js';
import { apiClient, control, type Api } from './support/api.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({
    contacts: 80,
    companies: 30,
    seed: 8,
    rateLimit: 0,
    nullCompanyNameRate: 0.3,
    tagTotalMismatchRate: 0.5,
  });
  api = apiClient(sandbox);
});
afterAll(() => sandbox.close());

const companies = () => [...sandbox.store.companies.values()].filter((c) => !c.deleted);

describe('companies', () => {
  it('answer `plan: {}` when they have no plan, like the live fixture', async () => {
    const planless = companies().find((c) => c.plan === null)!;
    const planned = companies().find((c) => c.plan !== null)!;
    expect((await api('GET', `/companies/${planless.id}`)).body.plan).toEqual(
      loadRest('company-plan-empty-object').plan,
    );
    expect((await api('GET', `/companies/${planned.id}`)).body.plan).toMatchObject({
      type: 'plan',
      name: planned.plan,
    });
  });

  it('can be nameless: seeded at the configured rate, or created without a name', async () => {
    const nameless = companies().filter((c) => c.name === null);
    expect(nameless.length).toBeGreaterThan(0);
    expect(nameless.length).toBeLessThan(companies().length);
    const got = await api('GET', `/companies/${nameless[0]!.id}`);
    expect(got.body.name).toBe(loadRest('company-name-null').name);
    const created = await api('POST', '/companies', { company_id: 'no-name-yet' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ company_id: 'no-name-yet', name: null, plan: {} });
    const named = await api('POST', '/companies', { company_id: 'no-name-yet', name: 'Named Later' });
    expect(named.body).toMatchObject({ id: created.body.id, name: 'Named Later' });
  });

  it('are never seeded nameless in spec-literal mode, where the spec requires a name', async () => {
    const literal = await startSandbox({
      contacts: 5,
      companies: 40,
      seed: 8,
      specLiteral: true,
      nullCompanyNameRate: 1,
    });
    try {
      expect([...literal.store.companies.values()].every((c) => c.name !== null)).toBe(true);
    } finally {
      await literal.close();
    }
  });
});

describe('request ids', () => {
  it('are 20 base-32 characters, in X-Request-Id and in the error body, different per request', async () => {
    const ok = await api('GET', '/contacts?per_page=1');
    const missing = await api('GET', '/contacts/000000000000000000000000');
    const unauthorised = await api('GET', '/contacts', undefined, { token: 'wrong' });
    const ids = [ok, missing, unauthorised].map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-v]{20}$/);
    expect(new Set(ids).size).toBe(3);
    expect(missing.body.request_id).toBe(ids[1]);
    expect(unauthorised.body.request_id).toBe(ids[2]);
    expect(loadRest('error-unarchive-not-restorable').request_id).toMatch(/^[0-9a-v]{20}$/);
  });
});

describe("a contact's embedded tag total", () => {
  it('counts more tags than /contacts/{id}/tags lists for the seeded share of contacts', async () => {
    const skewed = [...sandbox.store.contacts.values()].filter(
      (c) => c.state === 'active' && (c.tagTotalExtra ?? 0) > 0,
    );
    expect(skewed.length).toBeGreaterThan(0);
    for (const c of skewed.slice(0, 5)) {
      const contact = (await api('GET', `/contacts/${c.id}`)).body;
      const list = (await api('GET', `/contacts/${c.id}/tags`)).body;
      expect(contact.tags.total_count).toBe(list.data.length + c.tagTotalExtra!);
      expect(contact.tags.has_more).toBe(true);
      expect(list.data.map((t: { id: string }) => t.id)).toEqual(c.tagIds);
    }
    // The fixture pair has the same disagreement: 14 embedded, 11 listed.
    expect(loadRest('contact-tags-total-14').tags.total_count).toBeGreaterThan(
      loadRest('contact-tags-list-11').data.length,
    );
  });

  it('can be set per contact, and webhook items carry the same total, without a change being notified', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      sandbox.updateSettings({ webhookUrl: receiver.url });
      const c = [...sandbox.store.contacts.values()].find(
        (x) => x.state === 'active' && x.role === 'user' && !x.tagTotalExtra && x.tagIds.length > 0,
      )!;
      const set = await control(sandbox, 'POST', `/contacts/${c.id}/tag-total`, { extra: 3 });
      expect(set.status).toBe(200);
      expect(set.body.tags.total_count).toBe(c.tagIds.length + 3);
      await sandbox.webhooks.drain();
      expect(receiver.received).toEqual([]);
      expect(sandbox.store.contacts.get(c.id)!.updated_at).toBe(c.updated_at);

      await api('PUT', `/contacts/${c.id}`, { name: 'Counted Twice' });
      await sandbox.webhooks.drain();
      const item = receiver.received.find((r) => r.body.topic === 'contact.user.updated')!.body.data.item;
      expect(item.tags).toMatchObject({ total_count: c.tagIds.length + 3, has_more: true });
      expect((await api('GET', `/contacts/${c.id}/tags`)).body.data).toHaveLength(c.tagIds.length);

      const bad = await control(sandbox, 'POST', `/contacts/${c.id}/tag-total`, { extra: -1 });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].message).toBe('extra must be a non-negative integer');
      expect(sandbox.store.contacts.get(c.id)!.tagTotalExtra).toBe(3);
    } finally {
      sandbox.updateSettings({ webhookUrl: null });
      await receiver.close();
    }
  });
});

describe('ping', () => {
  it('is refused by the control endpoint when nothing is subscribed, with the reason', async () => {
    const answer = await control(sandbox, 'POST', '/webhooks/ping');
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].message).toMatch(/no webhook subscriber/);
  });
});
