// Webhook notifications: every change (API or control) is delivered, signed with X-Hub-Signature
// verifiable with the secret, with 2.2-era or newer topic names, one retry after a failure,
// and optional duplicates and disorder.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, control, type Api } from './support/api.js';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

const SECRET = 'shh-its-a-secret';
let receiver: Server;
let received: Received[] = [];
/** Answer for each incoming delivery; default 200. */
let respond: (n: any) => number | 'hang' = () => 200;
let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw);
      received.push({ headers: req.headers, raw, body });
      const answer = respond(body);
      if (answer === 'hang') return;
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;
  sandbox = await startSandbox({
    contacts: 40,
    companies: 5,
    seed: 6,
    rateLimit: 0,
    webhookUrl: `http://127.0.0.1:${port}/hooks`,
    webhookSecret: SECRET,
    webhookRetryDelayMs: 100,
    // Intercom's 5 s: a loaded machine answering late must not look like a failed delivery (and a
    // retry). The test of a slow receiver shortens it for itself.
    webhookTimeoutMs: 5_000,
  });
  api = apiClient(sandbox);
});
afterEach(async () => {
  await sandbox.webhooks.drain({ retries: true });
  received = [];
  respond = () => 200;
  sandbox.updateSettings({
    webhookTopics: 'modern',
    webhookDuplicateRate: 0,
    webhookReorderWindow: 0,
    webhookMergedFromRate: 0.5,
    webhookTimeoutMs: 5_000,
  });
});
afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const topics = () => received.map((r) => r.body.topic);
const settle = () => sandbox.webhooks.drain({ retries: true });

describe('webhook notifications', () => {
  it('are signed with HMAC-SHA1 of the raw body under the client secret', async () => {
    await api('POST', '/contacts', { role: 'user', email: 'signed@example.com' });
    await settle();
    // One notification; under heavy load its first attempt may outlast the 300 ms timeout and be
    // retried, which is not what this test is about.
    expect(new Set(received.map((r) => r.body.id)).size).toBe(1);
    const [delivery] = received;
    const expected = `sha1=${createHmac('sha1', SECRET).update(delivery!.raw).digest('hex')}`;
    const signature = String(delivery!.headers['x-hub-signature']);
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
    expect(createHmac('sha1', 'wrong').update(delivery!.raw).digest('hex')).not.toBe(signature.slice(5));
    expect(delivery!.headers['user-agent']).toBe('intercom-parrot-service-client/1.0');
    expect(delivery!.body).toMatchObject({
      type: 'notification_event',
      app_id: sandbox.options.appId,
      topic: 'contact.user.created',
      delivery_attempts: 1,
      data: { type: 'notification_event_data', item: { type: 'contact', email: 'signed@example.com' } },
    });
    expect(delivery!.body.id).toMatch(/^notif_[0-9a-f-]{36}$/);
  });

  it('uses the modern topic names for every kind of change, with ids only for deletions and archives', async () => {
    sandbox.updateSettings({ webhookMergedFromRate: 1 });
    const user = await api('POST', '/contacts', { role: 'user', external_id: 'wh-u' });
    const lead = await api('POST', '/contacts', { role: 'lead', email: 'wh-lead@example.com' });
    await api('PUT', `/contacts/${user.body.id}`, { name: 'Renamed' });
    const tag = [...sandbox.store.tags.values()][0]!;
    await api('POST', `/contacts/${user.body.id}/tags`, { id: tag.id });
    await api('DELETE', `/contacts/${user.body.id}/tags/${tag.id}`);
    const company = await api('POST', '/companies', { company_id: 'wh-co', name: 'Hooks Ltd' });
    await api('POST', '/companies', { company_id: 'wh-co', name: 'Hooks Ltd 2' });
    await api('POST', `/contacts/${user.body.id}/companies`, { id: company.body.id });
    await api('DELETE', `/contacts/${user.body.id}/companies/${company.body.id}`);
    await api('POST', '/contacts/merge', { from: lead.body.id, into: user.body.id });
    await api('POST', `/contacts/${user.body.id}/archive`);
    await api('POST', `/contacts/${user.body.id}/unarchive`);
    await api('DELETE', `/contacts/${user.body.id}`);
    await api('DELETE', `/companies/${company.body.id}`);
    await settle();
    expect(new Set(topics())).toEqual(
      new Set([
        'contact.user.created',
        'contact.lead.created',
        'contact.user.updated',
        'contact.user.tag.created',
        'contact.user.tag.deleted',
        'company.created',
        'company.updated',
        'company.contact.attached',
        'company.contact.detached',
        'contact.merged',
        'contact.archived',
        'contact.unarchived',
        'contact.deleted',
        'company.deleted',
      ]),
    );
    const item = (topic: string) => received.find((r) => r.body.topic === topic)!.body.data.item;
    expect(item('contact.deleted')).toEqual({
      type: 'contact',
      id: user.body.id,
      external_id: 'wh-u',
      deleted: true,
    });
    expect(item('contact.archived')).toEqual({
      type: 'contact',
      id: user.body.id,
      external_id: 'wh-u',
      archived: true,
    });
    expect(item('company.deleted')).toEqual({ type: 'company', id: company.body.id, deleted: true });
    const merged = received.find((r) => r.body.topic === 'contact.merged')!.body.data.item;
    expect(merged.merged_from).toEqual({ type: 'contact', id: lead.body.id });
  });

  it('uses the 2.2-era names in legacy mode, where updates have no topic', async () => {
    sandbox.updateSettings({ webhookTopics: 'legacy' });
    const user = await api('POST', '/contacts', { role: 'user', external_id: 'legacy-u' });
    const lead = await api('POST', '/contacts', { role: 'lead', email: 'legacy-lead@example.com' });
    await api('PUT', `/contacts/${user.body.id}`, { name: 'No topic for this' });
    await api('PUT', `/contacts/${lead.body.id}`, { role: 'user', external_id: 'legacy-signed' });
    const tag = [...sandbox.store.tags.values()][1]!;
    await api('POST', `/contacts/${user.body.id}/tags`, { id: tag.id });
    await api('POST', '/companies', { company_id: 'legacy-co', name: 'Legacy' });
    await api('DELETE', `/contacts/${user.body.id}`);
    await settle();
    expect(topics().sort()).toEqual([
      'company.created',
      'contact.created',
      'contact.signed_up',
      'user.created',
      'user.deleted',
      'user.tag.created',
    ]);
    const tagItem = received.find((r) => r.body.topic === 'user.tag.created')!.body.data.item;
    expect(tagItem).toMatchObject({
      type: 'user_tag',
      tag: { id: tag.id },
      user: { type: 'user', id: user.body.id, user_id: 'legacy-u' },
    });
  });

  it('delivers changes made through the control endpoint, as an agent would make them', async () => {
    const target = [...sandbox.store.contacts.values()].find(
      (c) => c.state === 'active' && c.role === 'user',
    )!;
    await control(sandbox, 'PATCH', `/contacts/${target.id}`, { name: 'Edited by an agent' });
    await settle();
    expect(topics()).toEqual(['contact.user.updated']);
    expect(received[0]!.body.data.item.name).toBe('Edited by an agent');
  });

  it('sends no topic for notes (none exists), only the contact update', async () => {
    const target = [...sandbox.store.contacts.values()].find(
      (c) => c.state === 'active' && c.role === 'lead',
    )!;
    await api('POST', `/contacts/${target.id}/notes`, {
      body: 'hello',
      admin_id: [...sandbox.store.admins.keys()][0],
    });
    await settle();
    expect(topics()).toEqual(['contact.lead.updated']);
  });

  it('retries a failed delivery once, then gives up', async () => {
    const attempts = new Map<string, number>();
    respond = (n) => {
      attempts.set(n.id, (attempts.get(n.id) ?? 0) + 1);
      return 500;
    };
    await api('POST', '/contacts', { role: 'user', email: 'retry@example.com' });
    await settle();
    expect(received.map((r) => r.body.delivery_attempts)).toEqual([1, 2]);
    expect(new Set(received.map((r) => r.body.id)).size).toBe(1);
    expect(received[1]!.body.first_sent_at).toBe(received[0]!.body.first_sent_at);
    expect(sandbox.webhooks.stats().failed).toBeGreaterThanOrEqual(1);
  });

  it('treats a receiver slower than the timeout as failed and retries', async () => {
    let calls = 0;
    respond = () => (calls++ === 0 ? 'hang' : 200);
    sandbox.updateSettings({ webhookTimeoutMs: 300 }); // the first answer never comes
    await api('POST', '/contacts', { role: 'user', email: 'slow@example.com' });
    await settle();
    expect(received.map((r) => r.body.delivery_attempts)).toEqual([1, 2]);
  });

  it('can deliver duplicates, with the same notification id', async () => {
    sandbox.updateSettings({ webhookDuplicateRate: 1 });
    await api('POST', '/contacts', { role: 'user', email: 'dupe@example.com' });
    await settle();
    expect(received).toHaveLength(2);
    expect(received[0]!.raw).toBe(received[1]!.raw);
  });

  it('can deliver out of order', async () => {
    sandbox.updateSettings({ webhookReorderWindow: 10 });
    const created: string[] = [];
    // Queue a burst before the dispatcher gets a turn, as a busy workspace would.
    for (let i = 0; i < 30; i++)
      created.push(sandbox.workspace.contacts.create({ role: 'user', email: `order${i}@example.com` }).id);
    await settle();
    const order = received.map((r) => r.body.data.item.id);
    expect(new Set(order)).toEqual(new Set(created));
    expect(order).not.toEqual(created);
  });
});
