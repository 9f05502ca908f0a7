// Nothing lost: Redis flushed while the daemon pushes (the sweeper finds the rest in Postgres),
// and an API failing 20% of calls (everything still converges and `verify` finds no drift).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { verifyMirror } from '../../src/sync/verify.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { webhooksApplied } from '../support/settled.js';
import {
  apiWrites,
  eventually,
  mirroredContact,
  openOutboxCount,
  outboxDrained,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

async function failedChanges(h: PushHarness) {
  return h.rt.db
    .selectFrom('intercom_sync.outbox')
    .select(['id', 'entity', 'row_id', 'last_error'])
    .where('state', '=', 'failed')
    .execute();
}

describe('Redis flushed mid-push', () => {
  let h: PushHarness;
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
    h = await startPushHarness({ sandbox: { contacts: 60, companies: 3, latencyMs: 40 } });
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  it('loses no change: the sweeper re-enqueues what Postgres still has pending, and nothing is sent twice', async () => {
    await h.startDaemon({
      env: {
        REDIS_URL: redis.url,
        PUSH_CONCURRENCY: '2',
        PUSH_COALESCE_MS: '50',
        INCREMENTAL_EVERY_MINUTES: '1000',
        FULL_SYNC_CRON: '0 3 1 1 *',
      },
      schedule: true,
      sweep: { everyMs: 500, pendingPushOlderThanMs: 100 },
      scheduleCheckMs: 300,
    });
    await h.resetStats();
    const contacts = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['id', 'intercom_id'])
      .where('archived', '=', false)
      .execute();
    await sql`update intercom.contacts set name = 'Flushed ' || id where archived = false`.execute(h.rt.db);

    await eventually(async () => {
      const done = await h.rt.db
        .selectFrom('intercom_sync.outbox')
        .select('id')
        .where('state', '=', 'done')
        .execute();
      return done.length >= 8;
    }, 'the first pushes');
    await redis.flushAll();
    expect(await openOutboxCount(h.rt)).toBeGreaterThan(10);

    await eventually(
      async () => (await openOutboxCount(h.rt)) === 0,
      'the sweeper to finish the pushes',
      40_000,
    );
    expect(await failedChanges(h)).toEqual([]);
    expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': contacts.length });
    const { contacts: remote } = await h.control<{ contacts: { id: string; name: string }[] }>(
      'GET',
      '/state?entity=contacts',
    );
    const names = new Map(remote.map((c) => [c.id, c.name]));
    for (const c of contacts) expect(names.get(c.intercom_id!)).toBe(`Flushed ${c.id}`);
  });
});

describe('20% of API calls failing', () => {
  let h: PushHarness;
  beforeAll(async () => {
    h = await startPushHarness({
      sandbox: {
        contacts: 40,
        companies: 4,
        webhookRetryDelayMs: 200,
      },
    });
  });
  afterAll(async () => h?.close());

  it('every kind of change converges and verify finds the mirror equal to Intercom', async () => {
    const daemon = await h.startDaemon({ env: { PUSH_COALESCE_MS: '100' } });
    h.sandbox.updateSettings({
      webhookUrl: `${daemon.url}/webhooks/intercom`,
      faultRate: 0.2,
      faultKinds: ['500', '502', '503', 'truncated'],
    });
    const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
    for (let i = 0; i < 20; i++) {
      const c = await mirroredContact(h.rt, i);
      await sql`update intercom.contacts set name = ${`Faulty ${i}`},
        custom_attributes = custom_attributes || jsonb_build_object('plan_tier', ${`t${i}`}::text) where id = ${c.id}`.execute(
        h.rt.db,
      );
    }
    const newIds: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { id } = await h.rt.db
        .insertInto('intercom.contacts')
        .values({ role: 'user', email: `new${i}@example.com`, external_id: `ext-new-${i}`, name: `New ${i}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      newIds.push(Number(id));
    }
    const { id: companyId } = await h.rt.db
      .insertInto('intercom.companies')
      .values({ company_id: 'faulty-co', name: 'Faulty Co', plan: 'basic' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.rt.db
      .insertInto('intercom.contact_companies')
      .values({ contact_id: newIds[0]!, company_id: companyId })
      .execute();
    const noted = await mirroredContact(h.rt, 20);
    const notesBefore = (await h.remoteContact(noted.intercom_id)).noteIds.length;
    await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: noted.id, body: 'written in a storm', author_id: admins[0]!.id })
      .execute();
    const archived = await mirroredContact(h.rt, 21);
    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ archived: true })
      .where('id', '=', archived.id)
      .execute();
    const deleted = await mirroredContact(h.rt, 22);
    await h.rt.db.deleteFrom('intercom.contacts').where('id', '=', deleted.id).execute();
    const existing = await h.rt.db
      .selectFrom('intercom.companies')
      .select('id')
      .where('intercom_id', 'is not', null)
      .executeTakeFirstOrThrow();
    await h.rt.db
      .updateTable('intercom.companies')
      .set({ industry: 'Storms' })
      .where('id', '=', existing.id)
      .execute();

    await eventually(() => outboxDrained(h.rt), 'every change to be pushed', 60_000);
    expect(await failedChanges(h)).toEqual([]);
    const stats = await h.stats();
    expect(Object.values(stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    h.sandbox.updateSettings({ faultRate: 0 });
    await webhooksApplied(h.rt.db, 20_000);
    const attached = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('id', '=', newIds[0]!)
      .executeTakeFirstOrThrow();
    const report = await verifyMirror(h.rt);
    // Two derived values reach the mirror only by the next poll or nightly pass, as with Intercom:
    // a company's user_count after one of its contacts is archived or deleted (no company webhook),
    // and the attached contact's updated_at (the company.contact.attached notification carries the
    // contact, but the webhook apply saves only the company and the link).
    const lagging = (d: (typeof report.differences)[number]) =>
      (d.entity === 'companies' && d.field === 'user_count') ||
      (d.entity === 'contacts' && d.field === 'updated_at' && d.intercom_id === attached.intercom_id);
    expect(report.differences.filter((d) => !lagging(d))).toEqual([]);
    expect(report.counts.total).toBe(report.differences.length);

    const { contacts: remote } = await h.control<{
      contacts: {
        id: string;
        name: string;
        state: string;
        custom_attributes: Record<string, unknown>;
        companyIds: string[];
        noteIds: string[];
      }[];
    }>('GET', '/state?entity=contacts');
    const local = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['intercom_id', 'name', 'custom_attributes'])
      .where('name', 'like', 'Faulty %')
      .execute();
    expect(local).toHaveLength(20);
    for (const row of local) {
      const there = remote.find((c) => c.id === row.intercom_id)!;
      expect(there.name).toBe(row.name);
      expect(there.custom_attributes.plan_tier).toBe(`t${row.name!.slice('Faulty '.length)}`);
    }
    const created = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('id', 'in', newIds)
      .execute();
    expect(
      created.every(
        (c) => c.intercom_id && remote.some((r) => r.id === c.intercom_id && r.state === 'active'),
      ),
    ).toBe(true);
    const company = await h.remoteCompany('faulty-co');
    expect(remote.find((c) => c.id === attached.intercom_id)!.companyIds).toEqual([company!.id]);
    expect(remote.find((c) => c.id === noted.intercom_id)!.noteIds).toHaveLength(notesBefore + 1);
    expect((await h.remoteContact(deleted.intercom_id)).state).toBe('deleted');
    expect((await h.remoteContact(archived.intercom_id)).state).toBe('archived');
  });
});
