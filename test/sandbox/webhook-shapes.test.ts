// Contract: what the sandbox sends is what live workspaces send. For each topic of both families,
// a change made through the API produces a delivery whose shape (keys, kinds, timestamp formats,
// wrapping) matches the project's live fixture for that topic (test/fixtures/live).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { ContactRecord } from '../../src/sandbox/model.js';
import {
  DELIVERY_FIXTURES,
  loadDelivery,
  type DeliveryFixture,
  type TopicFamily,
} from '../fixtures/live/index.js';
import { ISO_WITH_MS, shapeDifferences } from '../fixtures/live/json-shape.js';
import { apiClient, control, type Api } from './support/api.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let sandbox: Sandbox;
let api: Api;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    contacts: 60,
    companies: 8,
    seed: 21,
    rateLimit: 0,
    webhookUrl: receiver.url,
  });
  api = apiClient(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

/** Items whose own `created_at` is the event's UNIX second, not a record's ISO timestamp. */
const WRAPPERS = new Set(['contact_tag', 'user_tag', 'contact_subscribe', 'contact_unsubscribe']);

/** Every `*_at` under the item that is neither null nor ISO 8601 with milliseconds. */
function timestampProblems(item: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      if (key === 'custom_attributes') continue;
      if (key.endsWith('_at')) {
        const own = path === '' && key === 'created_at' && WRAPPERS.has(String(item.type));
        const ok = own
          ? Number.isInteger(value)
          : value === null || (typeof value === 'string' && ISO_WITH_MS.test(value));
        if (!ok) out.push(`${at} = ${JSON.stringify(value)}`);
      } else walk(value, at);
    }
  };
  walk(item, '');
  return out;
}

function seeded(role: 'user' | 'lead', fits: (c: ContactRecord) => boolean): ContactRecord {
  const found = [...sandbox.store.contacts.values()].find(
    (c) => c.state === 'active' && c.role === role && fits(c),
  );
  if (!found) throw new Error(`seed 21 has no active ${role} of the kind this test needs`);
  return found;
}

const tagNotOn = (c: ContactRecord) =>
  [...sandbox.store.tags.values()].find((t) => !c.tagIds.includes(t.id))!;

/** Makes one change of every kind the family has a topic for; returns the deliveries by fixture name. */
async function runScenario(family: TopicFamily): Promise<Map<string, any[]>> {
  receiver.received.length = 0;
  sandbox.updateSettings({ webhookTopics: family });
  const user = await api('POST', '/contacts', {
    role: 'user',
    email: `shape.${family}@example.com`,
    external_id: `shape-${family}`,
    name: 'Shape User',
    phone: '+15550100',
  });
  const lead = await api('POST', '/contacts', { role: 'lead', name: 'Shape Lead' });
  await api('PUT', `/contacts/${lead.body.id}`, { email: `shape.lead.${family}@example.com` });
  // A seeded user carries location, activity, tags and companies, so more fields are non-null.
  const rich = seeded(
    'user',
    (c) =>
      c.email !== null &&
      !c.unsubscribed_from_emails &&
      c.location.city !== null &&
      c.last_seen_at !== null &&
      c.tagIds.length > 0 &&
      c.companyIds.length > 0 &&
      c.social_profiles.length === 0 &&
      !c.email.startsWith('shape'),
  );
  await api('PUT', `/contacts/${rich.id}`, { email: `shape.changed.${family}@example.com` });
  await api('PUT', `/contacts/${rich.id}`, { unsubscribed_from_emails: true });
  await api('PUT', `/contacts/${rich.id}`, { unsubscribed_from_emails: false });
  const userTag = tagNotOn(rich);
  await api('POST', `/contacts/${rich.id}/tags`, { id: userTag.id });
  await api('DELETE', `/contacts/${rich.id}/tags/${userTag.id}`);
  const leadTag = tagNotOn(sandbox.store.contacts.get(lead.body.id)!);
  await api('POST', `/contacts/${lead.body.id}/tags`, { id: leadTag.id });
  await api('DELETE', `/contacts/${lead.body.id}/tags/${leadTag.id}`);
  const company = await api('POST', '/companies', {
    company_id: `shape-co-${family}`,
    name: 'Shape Co',
    plan: 'pro',
  });
  await api('POST', '/companies', { company_id: `shape-co-${family}`, name: 'Shape Co Renamed' });
  await api('POST', `/contacts/${lead.body.id}/companies`, { id: company.body.id });
  await api('DELETE', `/contacts/${lead.body.id}/companies/${company.body.id}`);
  await api('POST', `/contacts/${rich.id}/archive`);
  await api('POST', `/contacts/${rich.id}/unarchive`);
  for (const rate of [1, 0]) {
    sandbox.updateSettings({ webhookMergedFromRate: rate });
    const absorbed = await api('POST', '/contacts', {
      role: 'lead',
      email: `merged.${rate}.${family}@example.com`,
    });
    await api('POST', '/contacts/merge', { from: absorbed.body.id, into: user.body.id });
  }
  sandbox.updateSettings({ webhookMergedFromRate: 0.5 });
  const signup = await api('POST', '/contacts', { role: 'lead', email: `signup.${family}@example.com` });
  await api('PUT', `/contacts/${signup.body.id}`, { role: 'user', external_id: `signed-${family}` });
  await api('DELETE', `/contacts/${user.body.id}`);
  await api('DELETE', `/companies/${company.body.id}`);
  expect((await control(sandbox, 'POST', '/webhooks/ping')).status).toBe(200);
  await sandbox.webhooks.drain({ retries: true });

  const byName = new Map<string, any[]>();
  for (const { body } of receiver.received) {
    const variant = body.topic === 'contact.merged' && body.data.item.merged_from ? '.with-merged-from' : '';
    const name = `${family}/${body.topic}${variant}`;
    byName.set(name, [...(byName.get(name) ?? []), body]);
  }
  return byName;
}

for (const family of ['modern', 'legacy'] as const) {
  describe(`${family} topics`, () => {
    let sent: Map<string, any[]>;
    beforeAll(async () => {
      sent = await runScenario(family);
    });

    const fixtures = DELIVERY_FIXTURES.filter((f) => f.family === family);

    it('sends every topic the fixtures list for the family, and none without a fixture', () => {
      const expected = fixtures.filter((f) => !f.notSentBySandbox).map((f) => f.name);
      expect([...sent.keys()].sort()).toEqual(expected.sort());
    });

    it.each(fixtures.filter((f) => !f.notSentBySandbox))(
      '$name matches its live fixture',
      (fixture: DeliveryFixture) => {
        const expected = loadDelivery(fixture.family, fixture.topic, fixture.variant);
        const deliveries = sent.get(fixture.name) ?? [];
        expect(deliveries.length, 'deliveries of the topic').toBeGreaterThan(0);
        for (const delivery of deliveries) {
          expect(
            shapeDifferences(delivery, expected),
            JSON.stringify(delivery.data.item).slice(0, 400),
          ).toEqual([]);
          const item = delivery.data.item;
          expect(item.type ?? null).toBe(fixture.itemType);
          for (const key of fixture.wraps) expect(typeof item[key], `item.${key}`).toBe('object');
          expect(timestampProblems(item)).toEqual([]);
          // The envelope's own times stay UNIX seconds.
          for (const key of ['created_at', 'first_sent_at', 'delivery_attempts', 'delivered_at'])
            expect(Number.isInteger(delivery[key]), key).toBe(true);
          if (fixture.entity === 'ping') expect(delivery.id).toBeNull();
          else expect(delivery.id).toMatch(/^notif_[0-9a-f-]{36}$/);
          const record =
            fixture.entity === 'contact' ? item : fixture.wraps.includes('contact') ? item.contact : null;
          if (record) expect(record.updated_at).toMatch(ISO_WITH_MS);
        }
      },
    );
  });
}

describe('live details of the items', () => {
  it('renders a record second with milliseconds that truncate back to what REST answers', async () => {
    sandbox.updateSettings({ webhookTopics: 'modern' });
    receiver.received.length = 0;
    const lead = seeded('lead', (c) => c.email !== null);
    await api('PUT', `/contacts/${lead.id}`, { name: 'Truncated Back' });
    await sandbox.webhooks.drain();
    const item = receiver.received.find((r) => r.body.topic === 'contact.lead.updated')!.body.data.item;
    const rest = (await api('GET', `/contacts/${lead.id}`)).body;
    for (const key of ['created_at', 'updated_at', 'last_seen_at'] as const) {
      if (rest[key] === null) expect(item[key]).toBeNull();
      else expect(Math.floor(Date.parse(item[key]) / 1000), key).toBe(rest[key]);
    }
  });

  it('company items carry plan ids and tag ids, never the REST plan object or tag list', async () => {
    sandbox.updateSettings({ webhookTopics: 'modern' });
    receiver.received.length = 0;
    const company = [...sandbox.store.companies.values()].find(
      (c) => !c.deleted && c.plan !== null && c.tagIds.length > 0,
    )!;
    const contact = seeded('user', (c) => !c.companyIds.includes(company.id));
    await api('POST', `/contacts/${contact.id}/companies`, { id: company.id });
    await sandbox.webhooks.drain();
    const { company: inner } = receiver.received.find((r) => r.body.topic === 'company.contact.attached')!
      .body.data.item;
    const plan = sandbox.store.plans.get(company.plan!)!;
    expect(inner).toMatchObject({ id: company.id, plan_id: plan.id, tag_ids: company.tagIds });
    for (const absent of ['plan', 'tags', 'segments', 'size', 'website', 'industry'])
      expect(inner).not.toHaveProperty(absent);
  });

  it('chooses merged_from per merge from the seed, the same way on every run', async () => {
    const merges = async (seed: number) => {
      const target = await startReceiver();
      const s = await startSandbox({ contacts: 5, companies: 1, seed, rateLimit: 0, webhookUrl: target.url });
      for (let i = 0; i < 8; i++) {
        const into = s.workspace.contacts.create({ role: 'user', email: `into${i}@example.com` });
        const from = s.workspace.contacts.create({ role: 'lead', email: `from${i}@example.com` });
        s.workspace.contacts.merge({ from: from.id, into: into.id });
      }
      await s.webhooks.drain();
      await s.close();
      await target.close();
      return (
        target.received
          .filter((r) => r.body.topic === 'contact.merged')
          // Deliveries run four at a time; the surviving user's email says which merge it was.
          .sort((a, b) => a.body.data.item.email.localeCompare(b.body.data.item.email))
          .map((r) => 'merged_from' in r.body.data.item)
      );
    };
    const first = await merges(33);
    expect(first).toHaveLength(8);
    expect(await merges(33)).toEqual(first);
    // At the default rate (0.5) both live forms occur.
    expect(new Set(first)).toEqual(new Set([true, false]));
  });
});
