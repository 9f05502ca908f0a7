// Webhooks end to end: the sandbox, acting as Intercom, sends signed notifications over HTTP to a
// daemon started in-process; its own workers apply them to the mirror in Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { Daemon } from '../../src/app/daemon.js';
import {
  companyRow,
  contactRow,
  deliver,
  eventually,
  linked,
  notification,
  startDaemonHarness,
  TOKEN,
  webhookEvent,
  webhooksSettled,
  type DaemonHarness,
} from '../support/daemon-harness.js';
import { seededShuffle } from '../support/seeded-shuffle.js';
import { queueIdle } from '../support/settled.js';

interface SandboxContact {
  id: string;
  role: 'user' | 'lead';
  state: string;
  email: string | null;
  tagIds: string[];
  companyIds: string[];
}

let h: DaemonHarness;
let daemon: Daemon;
let contacts: SandboxContact[];
let tagIds: string[];
let companyIds: string[];

beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: 40, companies: 12, seed: 5 } });
  daemon = await h.startDaemon();
  const summary = await runFullSync(daemon.runtime);
  expect(summary.status).toBe('succeeded');
  contacts = (await h.control<{ contacts: SandboxContact[] }>('GET', '/state?entity=contacts')).contacts;
  tagIds = (await h.control<{ tags: { id: string }[] }>('GET', '/state?entity=tags')).tags.map((t) => t.id);
  const companies = await h.control<{ companies: { id: string; deleted: boolean }[] }>(
    'GET',
    '/state?entity=companies',
  );
  companyIds = companies.companies.filter((c) => !c.deleted).map((c) => c.id);
});
afterAll(() => h?.close());

/** Contacts not used by another test yet, so each test changes its own. */
const used = new Set<string>();
function pick(role: 'user' | 'lead', fits: (c: SandboxContact) => boolean = () => true): SandboxContact {
  const found = contacts.find((c) => c.role === role && c.state === 'active' && !used.has(c.id) && fits(c));
  if (!found) throw new Error(`no unused active ${role} left in the sandbox`);
  used.add(found.id);
  return found;
}

async function apiContact(id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.sandbox.url}/contacts/${id}`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
  });
  return (await response.json()) as Record<string, unknown>;
}

const until = <T>(what: string, probe: () => Promise<T | undefined | false>) =>
  eventually(probe, what, 10_000);

/** The newest stored event's id: a test's own events are the ones after it. */
async function lastEventId(): Promise<number> {
  const row = await daemon.runtime.db
    .selectFrom('intercom_sync.webhook_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Failed events stored after `afterId` (other tests park malformed ones on purpose). */
async function failedEvents(afterId: number): Promise<unknown[]> {
  return daemon.runtime.db
    .selectFrom('intercom_sync.webhook_events')
    .select(['topic', 'error'])
    .where('status', '=', 'failed')
    .where('id', '>', afterId)
    .execute();
}

describe('agent changes in Intercom reach the mirror through webhooks (2.6+ topics)', () => {
  beforeAll(() => h.subscribe(daemon, 'modern'));

  it('an updated and a newly created contact appear in Postgres', async () => {
    const user = pick('user');
    await h.control('PATCH', `/contacts/${user.id}`, { name: 'Ada Updated-By-Agent' });
    await until(
      'the new name',
      async () => (await contactRow(daemon, user.id))?.name === 'Ada Updated-By-Agent',
    );

    const created = await h.control<{ id: string }>('POST', '/contacts', {
      role: 'user',
      email: 'brand.new@example.test',
      name: 'Brand New',
    });
    const row = await until('the created contact', () => contactRow(daemon, created.id));
    expect(row).toMatchObject({ email: 'brand.new@example.test', name: 'Brand New', role: 'user' });
  });

  it('tagging and untagging, attaching and detaching a company change the links', async () => {
    const user = pick('user', (c) => c.tagIds.length < 5 && c.companyIds.length < 5);
    const tag = tagIds.find((t) => !user.tagIds.includes(t))!;
    const company = companyIds.find((c) => !user.companyIds.includes(c))!;

    await h.control('POST', `/contacts/${user.id}/tags`, { id: tag });
    await until('the tag link', async () => (await linked(daemon, 'tags', user.id)).includes(tag));
    await h.control('DELETE', `/contacts/${user.id}/tags/${tag}`);
    await until('the tag link to go', async () => !(await linked(daemon, 'tags', user.id)).includes(tag));

    await h.control('POST', `/contacts/${user.id}/companies`, { id: company });
    await until('the company link', async () =>
      (await linked(daemon, 'companies', user.id)).includes(company),
    );
    await h.control('DELETE', `/contacts/${user.id}/companies/${company}`);
    await until(
      'the company link to go',
      async () => !(await linked(daemon, 'companies', user.id)).includes(company),
    );
    expect(await linked(daemon, 'tags', user.id)).toEqual([...user.tagIds].sort());
  });

  it('archive, delete and merge mark the contacts, without removing the rows', async () => {
    const archived = pick('user');
    const deleted = pick('user');
    const lead = pick('lead');
    const into = pick('user');
    await h.control('POST', `/contacts/${archived.id}/archive`);
    await h.control('POST', `/contacts/${deleted.id}/delete`);
    // Live merges may or may not name the absorbed lead; only one that does can mark it here.
    await h.control('PATCH', '/settings', { webhookMergedFromRate: 1 });
    await h.control('POST', '/contacts/merge', { from: lead.id, into: into.id });
    await h.control('PATCH', '/settings', { webhookMergedFromRate: 0.5 });

    await until('the archive', async () => (await contactRow(daemon, archived.id))?.archived === true);
    await until('the delete', async () => (await contactRow(daemon, deleted.id))?.deleted_at != null);
    const merged = await until('the merge', async () => {
      const row = await contactRow(daemon, lead.id);
      return row?.deleted_at != null && row;
    });
    expect(merged.merged_into_id).toBe(into.id);
    expect((await contactRow(daemon, archived.id))?.deleted_at).toBeNull();
    expect((await contactRow(daemon, into.id))?.deleted_at).toBeNull();
  });

  it('a company renamed and a company deleted by an agent', async () => {
    const since = await lastEventId();
    const [renamed, removed] = companyIds.slice(-2) as [string, string];
    await h.control('PATCH', `/companies/${renamed}`, { name: 'Renamed By Agent Ltd' });
    await h.control('DELETE', `/companies/${removed}`);
    await until(
      'the rename',
      async () => (await companyRow(daemon, renamed))?.name === 'Renamed By Agent Ltd',
    );
    await until('the delete', async () => (await companyRow(daemon, removed))?.deleted_at != null);
    await webhooksSettled(daemon);
    expect(await failedEvents(since)).toEqual([]);
  });
});

describe('agent changes reach the mirror through the 2.2-era topics', () => {
  beforeAll(() => h.subscribe(daemon, 'legacy'));
  afterAll(() => h.subscribe(daemon, 'modern'));

  it('user.created, contact.created, user.email.updated, user.tag.*, user.deleted and company.created apply', async () => {
    const since = await lastEventId();
    const before = await h.control<{ webhooks: { delivered: number } }>('GET', '/stats');
    const user = await h.control<{ id: string }>('POST', '/contacts', {
      role: 'user',
      email: 'legacy.user@example.test',
    });
    const lead = await h.control<{ id: string }>('POST', '/contacts', { role: 'lead', name: 'Legacy Lead' });
    await until('user.created', () => contactRow(daemon, user.id));
    await until('contact.created (a lead)', async () => (await contactRow(daemon, lead.id))?.role === 'lead');

    await h.control('PATCH', `/contacts/${user.id}`, { email: 'legacy.changed@example.test' });
    await until(
      'user.email.updated',
      async () => (await contactRow(daemon, user.id))?.email === 'legacy.changed@example.test',
    );

    const tag = tagIds[0]!;
    await h.control('POST', `/contacts/${user.id}/tags`, { id: tag });
    await until('user.tag.created', async () => (await linked(daemon, 'tags', user.id)).includes(tag));
    await h.control('DELETE', `/contacts/${user.id}/tags/${tag}`);
    await until('user.tag.deleted', async () => (await linked(daemon, 'tags', user.id)).length === 0);

    await h.control('POST', `/contacts/${user.id}/delete`);
    await until('user.deleted', async () => (await contactRow(daemon, user.id))?.deleted_at != null);

    const company = await h.control<{ id: string }>('POST', '/companies', {
      company_id: 'legacy-co-1',
      name: 'Legacy Co',
    });
    await until('company.created', async () => (await companyRow(daemon, company.id))?.name === 'Legacy Co');
    // The row is committed before its event is marked applied: wait for the marks too.
    await webhooksSettled(daemon);

    const topics = await daemon.runtime.db
      .selectFrom('intercom_sync.webhook_events')
      .select('topic')
      .where('topic', 'in', [
        'user.created',
        'contact.created',
        'user.email.updated',
        'user.tag.created',
        'user.tag.deleted',
        'user.deleted',
        'company.created',
      ])
      .where('status', '=', 'applied')
      .execute();
    expect(new Set(topics.map((t) => t.topic)).size).toBe(7);
    const after = await h.control<{ webhooks: { delivered: number } }>('GET', '/stats');
    expect(after.webhooks.delivered).toBeGreaterThan(before.webhooks.delivered);
    await webhooksSettled(daemon);
    expect(await failedEvents(since)).toEqual([]);
  });
});

describe('duplicates, order, and topics the mirror does not use', () => {
  it('a replayed notification (same id) is stored once and applied once', async () => {
    const user = pick('user');
    const item = { ...(await apiContact(user.id)), name: 'Replayed Once' };
    const n = notification('contact.user.updated', item);
    const first = await deliver(daemon, n);
    const second = await deliver(daemon, { ...n, delivery_attempts: 2 });
    expect(first).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(second).toEqual({ status: 200, body: { received: true, duplicate: true } });
    await until(
      'the replay to be applied',
      async () => (await webhookEvent(daemon, n.id))[0]?.status === 'applied',
    );
    // Once more after it was applied: still one row, and once nothing waits in the queue, still one attempt.
    expect((await deliver(daemon, n)).body.duplicate).toBe(true);
    await queueIdle(daemon.queues.webhooks);
    expect(await webhookEvent(daemon, n.id)).toEqual([
      expect.objectContaining({ status: 'applied', attempts: 1, error: null }),
    ]);
    expect((await contactRow(daemon, user.id))?.name).toBe('Replayed Once');
  });

  it('an older item arriving after a newer one changes nothing', async () => {
    const user = pick('user');
    const current = await apiContact(user.id);
    const t = Number(current.updated_at);
    const newer = notification('contact.user.updated', {
      ...current,
      name: 'Newer Name',
      updated_at: t + 120,
    });
    const older = notification('contact.user.updated', {
      ...current,
      name: 'Older Name',
      updated_at: t + 60,
    });
    await deliver(daemon, newer);
    await until(
      'the newer item',
      async () => (await webhookEvent(daemon, newer.id))[0]?.status === 'applied',
    );
    await deliver(daemon, older);
    await until(
      'the older item to be handled',
      async () => (await webhookEvent(daemon, older.id))[0]?.status === 'applied',
    );
    const row = await contactRow(daemon, user.id);
    expect(row?.name).toBe('Newer Name');
    expect(row?.updated_at?.getTime()).toBe((t + 120) * 1000);
  });

  it('an unknown topic is stored as ignored with its reason, not failed, and ping is acknowledged', async () => {
    const unknown = notification('conversation.admin.replied', { type: 'conversation', id: '1234' });
    const ping = notification('ping', { type: 'ping', message: 'something something interzen' });
    expect((await deliver(daemon, unknown)).status).toBe(200);
    expect((await deliver(daemon, ping)).status).toBe(200);
    const reasons = new Map([
      [unknown, 'conversations are not mirrored'],
      [ping, 'a ping carries no record'],
    ]);
    for (const [n, reason] of reasons) {
      const [row] = await until(`${n.topic} to be handled`, async () => {
        const rows = await webhookEvent(daemon, n.id);
        return rows[0]?.status !== 'received' && rows;
      });
      expect(row).toMatchObject({ topic: n.topic, status: 'ignored', error: reason });
    }
  });
});

describe('a burst of notifications (applied in groups)', () => {
  it('leaves each contact at its newest version, whatever the arrival order, and sets aside only the bad one', async () => {
    const users = [pick('user'), pick('user'), pick('user'), pick('user'), pick('user')];
    const sent = [];
    for (const user of users) {
      const current = await apiContact(user.id);
      for (const v of [1, 2, 3]) {
        sent.push(
          notification('contact.user.updated', {
            ...current,
            name: `Burst v${v}`,
            updated_at: Number(current.updated_at) + 100 + v,
          }),
        );
      }
    }
    const bad = notification('contact.user.updated', { type: 'contact', name: 'No Id In A Burst' });
    sent.push(bad);
    seededShuffle(sent);
    await Promise.all(sent.map((n) => deliver(daemon, n)));
    await webhooksSettled(daemon);
    for (const user of users) expect((await contactRow(daemon, user.id))?.name).toBe('Burst v3');
    for (const n of sent) {
      const [row] = await webhookEvent(daemon, n.id);
      expect(row).toMatchObject(
        n === bad
          ? {
              status: 'ignored',
              attempts: 1,
              error: expect.stringMatching(/\(no id\): id: expected a non-empty id.*next sync reconciles/),
            }
          : { status: 'applied', attempts: 1, error: null },
      );
    }
  });
});

describe('a notification whose item cannot be read', () => {
  it('is stored as ignored with its reason, left to the syncs, and not retried', async () => {
    const noId = notification('contact.user.updated', {
      type: 'contact',
      name: 'Nobody',
      updated_at: 1_700_000_000,
    });
    const badCompany = notification('company.updated', { type: 'company', name: 'No Id Inc' });
    for (const n of [noId, badCompany]) expect((await deliver(daemon, n)).status).toBe(200);
    for (const n of [noId, badCompany]) {
      const [row] = await until(`${n.topic} to be set aside`, async () => {
        const rows = await webhookEvent(daemon, n.id);
        return rows[0]?.status === 'ignored' && rows;
      });
      expect(row!.error).toMatch(
        /^the item cannot be applied: invalid (contact|company) \(no id\): .*; the next sync reconciles the record$/,
      );
      const job = await daemon.queues.webhooks.getJob(`webhook-${row!.id}`);
      expect(await job!.getState()).toBe('completed');
      expect(job!.attemptsMade).toBe(1);
    }
    await queueIdle(daemon.queues.webhooks);
    for (const n of [noId, badCompany]) {
      const [row] = await webhookEvent(daemon, n.id);
      expect(row).toMatchObject({ status: 'ignored', attempts: 1 });
    }
  });
});
