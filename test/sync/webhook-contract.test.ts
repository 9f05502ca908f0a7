// Contract tests from live shapes (issue 11 item 4): every live-shaped delivery of both topic
// families (test/fixtures/live) goes through the real route over HTTP, the worker's apply, the
// mappers and the upserts, and the rows say what the delivery said — with no Intercom API call,
// fields the item omits left as they were, and timestamps at whole seconds.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withSyncWrites } from '../../src/db/sync-writes.js';
import { buildHttpServer } from '../../src/http/server.js';
import { signBody } from '../../src/http/signature.js';
import { apiTimestampSeconds } from '../../src/mappers/timestamp.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { WebhookItems } from '../../src/sandbox/webhook-items.js';
import { isoTimestamp } from '../../src/sandbox/webhook-time.js';
import { saveContacts } from '../../src/sync/contact-pages.js';
import type { SyncContext } from '../../src/sync/context.js';
import { applyWebhookEvent } from '../../src/sync/webhook-apply.js';
import {
  DELIVERY_FIXTURES,
  loadDelivery,
  type Delivery,
  type DeliveryFixture,
} from '../fixtures/live/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { uniqueName } from '../support/services.js';
import {
  mirrorRowVersions,
  rowsWritten,
  startSyncHarness,
  type SyncHarness,
} from '../support/sync-harness.js';

const SECRET = 'contract-client-secret';
// Later than every fixture, so none of their times counts as "in the future".
const NOW = Date.UTC(2027, 0, 1);
let h: SyncHarness;
let ctx: SyncContext;
let app: FastifyInstance;
const applying = new Set<Promise<unknown>>();

beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 6, companies: 2, seed: 21, tagTotalMismatchRate: 0 } });
  ctx = { ...h.rt, clock: new ManualClock({ startMs: NOW }) };
  app = await buildHttpServer({
    db: ctx.db,
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clientSecret: SECRET,
    // The worker's part, at once: apply the stored event.
    enqueue: async (eventId) => {
      const work = applyWebhookEvent(ctx, eventId).finally(() => applying.delete(work));
      applying.add(work);
    },
    readyChecks: [],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});
beforeEach(() => h.sandbox.stats.reset());

/** Signs and POSTs a delivery, then waits until the event it stored is applied. */
async function deliver(body: Delivery): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const address = app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}/webhooks/intercom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(text, SECRET) },
    body: text,
  });
  const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
  await Promise.all([...applying]);
  return answer;
}

/** A fixture's delivery under a notification id of its own (fixtures are delivered more than once). */
function fresh(fixture: Pick<DeliveryFixture, 'family' | 'topic' | 'variant'>): Delivery {
  const body = loadDelivery(fixture.family, fixture.topic, fixture.variant);
  if (body.id !== null) body.id = uniqueName('notif');
  return body;
}

const seconds = (iso: unknown) => {
  const s = apiTimestampSeconds(iso);
  return typeof s === 'number' ? new Date(s * 1000) : null;
};

async function event(notificationId: string) {
  return ctx.db
    .selectFrom('intercom_sync.webhook_events')
    .select(['status', 'error'])
    .where('notification_id', '=', notificationId)
    .executeTakeFirstOrThrow();
}

const contactRow = (id: string) =>
  ctx.db.selectFrom('intercom.contacts').selectAll().where('intercom_id', '=', id).executeTakeFirst();
const companyRow = (id: string) =>
  ctx.db.selectFrom('intercom.companies').selectAll().where('intercom_id', '=', id).executeTakeFirst();

/** A stored contact the delivery will change: older, with values for the fields items omit. */
async function seedContact(id: string, values: Record<string, unknown> = {}): Promise<void> {
  await withSyncWrites(ctx.db, async (trx) => {
    await trx.deleteFrom('intercom.contacts').where('intercom_id', '=', id).execute();
    await trx
      .insertInto('intercom.contacts')
      .values({
        intercom_id: id,
        role: 'user',
        name: 'Seeded Name',
        browser: 'Seeded Browser',
        last_replied_at: new Date('2001-01-01T00:00:00Z'),
        updated_at: new Date('2000-01-01T00:00:00Z'),
        ...values,
      })
      .execute();
  });
}

async function seedCompany(id: string): Promise<void> {
  await withSyncWrites(ctx.db, async (trx) => {
    await trx.deleteFrom('intercom.companies').where('intercom_id', '=', id).execute();
    await trx
      .insertInto('intercom.companies')
      .values({
        intercom_id: id,
        name: 'Seeded Co',
        plan: 'Seeded Plan',
        size: 42,
        website: 'https://seeded.example',
        industry: 'Seeded Industry',
        updated_at: new Date('2000-01-01T00:00:00Z'),
      })
      .execute();
  });
}

async function links(table: 'contact_tags' | 'contact_companies', contactId: string): Promise<string[]> {
  const child = table === 'contact_tags' ? 'tags' : 'companies';
  const column = table === 'contact_tags' ? 'tag_id' : 'company_id';
  const result = await sql<{ id: string }>`
    select x.intercom_id as id from ${sql.table(`intercom.${table}`)} l
    join intercom.contacts c on c.id = l.contact_id
    join ${sql.table(`intercom.${child}`)} x on x.id = ${sql.ref(`l.${column}`)}
    where c.intercom_id = ${contactId} order by 1`.execute(ctx.db);
  return result.rows.map((r) => r.id);
}

/** What a contact record of an item says, in the mirror's terms (people of ≤2.4 renamed). */
function expectedContact(record: Record<string, any>) {
  const legacy = !('role' in record);
  const where = legacy ? record.location_data : record.location;
  return {
    role: legacy ? (record.anonymous ? 'lead' : 'user') : record.role,
    email: record.email,
    name: record.name,
    external_id: legacy ? record.user_id : record.external_id,
    updated_at: seconds(record.updated_at),
    created_at: seconds(record.created_at),
    location: {
      type: 'location',
      country: (legacy ? where.country_name : where.country) ?? null,
      region: (legacy ? where.region_name : where.region) ?? null,
      city: (legacy ? where.city_name : where.city) ?? null,
    },
    // A 2.5+ item carries browser (null); a ≤2.4 person does not: the stored value stays.
    browser: legacy ? 'Seeded Browser' : record.browser,
    last_replied_at: legacy ? new Date('2001-01-01T00:00:00Z') : seconds(record.last_replied_at),
  };
}

const applied = async (body: Delivery) => {
  const answer = await deliver(body);
  expect(answer).toEqual({ status: 200, body: { received: true, duplicate: false } });
  expect(await event(body.id)).toEqual({ status: 'applied', error: null });
};

const byEntity = (entity: DeliveryFixture['entity']) => DELIVERY_FIXTURES.filter((f) => f.entity === entity);

describe('every live-shaped delivery is applied from its item, with no API call', () => {
  it.each(byEntity('contact').map((f) => [f.name, f] as const))(
    '%s: the row holds the contact',
    async (_, f) => {
      const body = fresh(f);
      const record = body.data.item;
      await seedContact(record.id);
      await applied(body);
      expect(await contactRow(record.id)).toMatchObject(expectedContact(record));
      expect(h.sandbox.stats.snapshot().requests).toBe(0);
    },
  );

  it.each(byEntity('contact-subscription').map((f) => [f.name, f] as const))(
    '%s: the wrapped contact is applied',
    async (_, f) => {
      const body = fresh(f);
      const record = body.data.item.contact;
      await seedContact(record.id, { unsubscribed_from_emails: !record.unsubscribed_from_emails });
      await applied(body);
      expect(await contactRow(record.id)).toMatchObject({
        ...expectedContact(record),
        unsubscribed_from_emails: record.unsubscribed_from_emails,
      });
      expect(h.sandbox.stats.snapshot().requests).toBe(0);
    },
  );

  it.each(byEntity('contact-tag').map((f) => [f.name, f] as const))(
    '%s: the link follows the tag, the contact is applied',
    async (_, f) => {
      const body = fresh(f);
      const { tag } = body.data.item;
      const record = body.data.item.contact ?? body.data.item.user;
      await seedContact(record.id);
      const created = f.topic.endsWith('.created');
      if (!created) {
        // Tagged before: the delivery takes it off.
        await withSyncWrites(ctx.db, async (trx) => {
          await sql`insert into intercom.tags (intercom_id, name) values (${tag.id}, ${tag.name})
            on conflict (intercom_id) do nothing`.execute(trx);
          await sql`insert into intercom.contact_tags (contact_id, tag_id)
            select c.id, t.id from intercom.contacts c, intercom.tags t
            where c.intercom_id = ${record.id} and t.intercom_id = ${tag.id}`.execute(trx);
        });
      }
      await applied(body);
      expect((await links('contact_tags', record.id)).includes(tag.id)).toBe(created);
      expect(await contactRow(record.id)).toMatchObject(expectedContact(record));
      expect(h.sandbox.stats.snapshot().requests).toBe(0);
    },
  );

  it.each(byEntity('contact-ids').map((f) => [f.name, f] as const))(
    '%s: the row is marked, not removed',
    async (_, f) => {
      const body = fresh(f);
      const id = body.data.item.id;
      await seedContact(id);
      await applied(body);
      const row = await contactRow(id);
      if (f.topic === 'contact.archived') expect(row).toMatchObject({ archived: true, deleted_at: null });
      else expect(row?.deleted_at).toBeInstanceOf(Date);
      expect(row?.name).toBe('Seeded Name');
    },
  );

  it.each(byEntity('company').map((f) => [f.name, f] as const))(
    '%s: the row holds the company; what the item omits is kept',
    async (_, f) => {
      const body = fresh(f);
      const item = body.data.item;
      await seedCompany(item.id);
      await applied(body);
      const carried = (key: string, seeded: unknown) => (key in item ? item[key] : seeded);
      expect(await companyRow(item.id)).toMatchObject({
        name: item.name,
        company_id: item.company_id,
        updated_at: seconds(item.updated_at),
        size: carried('size', 42),
        website: carried('website', 'https://seeded.example'),
        industry: carried('industry', 'Seeded Industry'),
        // `plan: {…}` names it, `plan: null` / `plan_id: null` say none; a plan_id alone has no name.
        plan: 'plan' in item ? (item.plan?.name ?? null) : item.plan_id === null ? null : 'Seeded Plan',
      });
      expect(h.sandbox.stats.snapshot().requests).toBe(0);
    },
  );

  it('modern/company.deleted: the row is marked deleted', async () => {
    const body = fresh({ family: 'modern', topic: 'company.deleted' });
    await seedCompany(body.data.item.id);
    await applied(body);
    expect((await companyRow(body.data.item.id))?.deleted_at).toBeInstanceOf(Date);
  });

  it.each(byEntity('company-contact').map((f) => [f.name, f] as const))(
    '%s: the link, the company and the contact as the item has them',
    async (_, f) => {
      const body = fresh(f);
      const { company, contact } = body.data.item;
      await seedContact(contact.id);
      await seedCompany(company.id);
      await applied(body);
      const linked = (await links('contact_companies', contact.id)).includes(company.id);
      expect(linked).toBe(f.topic.endsWith('attached'));
      expect(await contactRow(contact.id)).toMatchObject(expectedContact(contact));
      // The attach item's company has no size, website or industry: unknown, so kept.
      expect(await companyRow(company.id)).toMatchObject({
        name: company.name,
        user_count: company.user_count,
        size: 42,
        website: 'https://seeded.example',
        industry: 'Seeded Industry',
      });
      expect(h.sandbox.stats.snapshot().requests).toBe(0);
    },
  );

  it('contact.merged with merged_from marks the lead merged; without it the lead is left to the next pass', async () => {
    const withFrom = fresh({ family: 'modern', topic: 'contact.merged', variant: 'with-merged-from' });
    const without = fresh({ family: 'modern', topic: 'contact.merged' });
    const lead = withFrom.data.item.merged_from.id;
    await seedContact(withFrom.data.item.id);
    await seedContact(lead, { role: 'lead' });
    await applied(withFrom);
    expect(await contactRow(lead)).toMatchObject({ merged_into_id: withFrom.data.item.id });
    await seedContact(without.data.item.id);
    await seedContact(lead, { role: 'lead' });
    await applied(without);
    expect(await contactRow(lead)).toMatchObject({ merged_into_id: null, deleted_at: null });
  });

  it.each(byEntity('ping').map((f) => [f.name, f] as const))(
    '%s: acknowledged and stored as ignored',
    async (_, f) => {
      const body = fresh(f);
      expect(await deliver(body)).toEqual({ status: 200, body: { received: true, ping: true } });
      const rows = await ctx.db
        .selectFrom('intercom_sync.webhook_events')
        .select(['status', 'error'])
        .where('topic', '=', 'ping')
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).toEqual({ status: 'ignored', error: 'a ping carries no record' });
    },
  );
});

describe('applying is exact', () => {
  it('a live item of the second the REST read returned writes nothing (no echo, no location churn)', async () => {
    const record = [...h.sandbox.store.contacts.values()].find(
      (c) => c.state === 'active' && c.location.city,
    )!;
    const rest = await ctx.intercom.contacts.get(record.id, { lane: 'inbound' });
    await saveContacts(ctx, [rest]);
    const before = await mirrorRowVersions(h.rt);
    const item = new WebhookItems(h.sandbox.store).contact(h.sandbox.store.contacts.get(record.id)!);
    // The item's `.238`, its extra keys and its location's country_code are the same record.
    expect(String(item.updated_at)).toMatch(/\.\d{3}\+00:00$/);
    const body = fresh({ family: 'modern', topic: 'contact.user.updated' });
    body.data.item = item;
    h.sandbox.stats.reset();
    await applied(body);
    expect(rowsWritten(before, await mirrorRowVersions(h.rt))).toEqual({});
    expect(h.sandbox.stats.snapshot().requests).toBe(0);
  });

  it('a late item (older second) changes nothing; one of the same second with a new value applies', async () => {
    const body = fresh({ family: 'modern', topic: 'contact.user.updated' });
    const id = body.data.item.id;
    await seedContact(id, { updated_at: seconds(body.data.item.updated_at), name: 'Current' });
    const late = structuredClone(body);
    late.id = uniqueName('notif');
    late.data.item.name = 'Late';
    late.data.item.updated_at = isoTimestamp(Number(seconds(body.data.item.updated_at)) / 1000 - 1, 'late');
    await applied(late);
    expect((await contactRow(id))?.name).toBe('Current');
    body.data.item.name = 'Same Second';
    await applied(body);
    expect((await contactRow(id))?.name).toBe('Same Second');
  });

  it('a far-future updated_at is stored as now plus the skew margin, so later changes still apply', async () => {
    const body = fresh({ family: 'modern', topic: 'contact.user.updated' });
    const id = body.data.item.id;
    await seedContact(id);
    body.data.item.updated_at = 9_999_999_999;
    await applied(body);
    const latest = new Date(NOW + ctx.settings.futureSkewSeconds * 1000);
    expect((await contactRow(id))?.updated_at).toEqual(latest);
    // A real change after that moment is newer than the clamped clock, and wins.
    const later = fresh({ family: 'modern', topic: 'contact.user.updated' });
    later.data.item.name = 'After The Bogus Clock';
    later.data.item.updated_at = isoTimestamp(latest.getTime() / 1000 + 1, 'later');
    await applied(later);
    expect(await contactRow(id)).toMatchObject({ name: 'After The Bogus Clock' });
  });

  it('an item with a created_at no year holds (1e13) is set aside with the reason, and the row left alone', async () => {
    const body = fresh({ family: 'modern', topic: 'contact.user.updated' });
    const id = body.data.item.id;
    await seedContact(id);
    body.data.item.created_at = 1e13;
    expect((await deliver(body)).status).toBe(200);
    expect(await event(body.id)).toEqual({
      status: 'ignored',
      error: expect.stringMatching(
        /created_at: expected UNIX seconds .* in the years 1 to 9999, received number 10000000000000; the next sync reconciles/,
      ),
    });
    expect((await contactRow(id))?.name).toBe('Seeded Name');
  });
});
