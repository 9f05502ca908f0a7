// The daemon's own push workers (startDaemon: LISTEN → delayed job per record → pushRecord), with
// the sandbox's webhooks pointed back at the daemon: no echo, edits coalesce, a bad row does not
// hold up the good ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runIncrementalSync } from '../../src/sync/incremental-sync.js';
import type { Daemon } from '../../src/app/daemon.js';
import { deliveriesSettled, queueIdle, webhooksApplied } from '../support/settled.js';
import { mirrorRowVersions, rowsWritten } from '../support/sync-harness.js';
import {
  apiWrites,
  eventually,
  mirroredContact,
  openOutboxCount,
  outboxDrained,
  outboxRows,
  startPushHarness,
  totalWrites,
  type PushHarness,
} from '../support/push-harness.js';

let h: PushHarness;
let daemon: Daemon;
const COALESCE_MS = 300;

beforeAll(async () => {
  h = await startPushHarness({
    sandbox: {
      contacts: 40,
      companies: 4,
      webhookRetryDelayMs: 200,
    },
  });
  daemon = await h.startDaemon({ env: { PUSH_COALESCE_MS: String(COALESCE_MS) } });
  h.sandbox.updateSettings({ webhookUrl: `${daemon.url}/webhooks/intercom` });
});
afterAll(async () => h?.close());

async function outboxSettled(): Promise<void> {
  await eventually(async () => (await openOutboxCount(h.rt)) === 0, 'the outbox to drain');
}

/**
 * Nothing more can reach Intercom or the mirror: no push waits or runs, the sandbox has delivered
 * every notification (retries included), and every stored one has been applied.
 */
async function quiet(): Promise<void> {
  await queueIdle(daemon.queues.push);
  await deliveriesSettled(h.control);
  await webhooksApplied(h.rt.db);
  await queueIdle(daemon.queues.webhooks);
}

async function outboxTotal(): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
    h.rt.db,
  );
  return result.rows[0]!.n;
}

describe('the daemon pushing local changes', () => {
  it('no echo: one local edit is one API write, and the webhook and poll that bring it back change nothing', async () => {
    const c = await mirroredContact(h.rt, 0);
    await h.resetStats();
    const webhooksBefore = await h.rt.db.selectFrom('intercom_sync.webhook_events').select('id').execute();

    await h.rt.db
      .updateTable('intercom.contacts')
      .set({ name: 'Echo Test' })
      .where('id', '=', c.id)
      .execute();
    await eventually(
      async () => (await outboxRows(h.rt, 'contact', c.id)).every((r) => r.state === 'done'),
      'the push',
    );
    const afterPush = await mirrorRowVersions(h.rt);
    const outboxAfterPush = await outboxTotal();

    // Intercom's notification of our own change arrives and is applied.
    await eventually(async () => {
      const events = await h.rt.db
        .selectFrom('intercom_sync.webhook_events')
        .select(['id', 'item_id', 'status'])
        .execute();
      return events.length > webhooksBefore.length && events.some((e) => e.item_id === c.intercom_id);
    }, 'the webhook of the pushed change');
    await quiet();
    expect(rowsWritten(afterPush, await mirrorRowVersions(h.rt))).toEqual({});

    // And the next poll finds nothing to write either.
    const poll = await runIncrementalSync(h.rt);
    expect(poll.status).toBe('succeeded');
    expect(rowsWritten(afterPush, await mirrorRowVersions(h.rt))).toEqual({});

    expect(await outboxTotal()).toBe(outboxAfterPush);
    expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': 1 });
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Echo Test');
  });

  it('five quick edits to one row become one PUT carrying the last values', async () => {
    const c = await mirroredContact(h.rt, 1);
    await outboxSettled();
    await h.resetStats();
    // Held while the edits are made, so "quick" does not depend on how fast this machine is today.
    await daemon.queues.push.pause();
    try {
      for (let i = 1; i <= 5; i++) {
        await sql`update intercom.contacts set name = ${`Edit ${i}`},
          custom_attributes = custom_attributes || jsonb_build_object('seats', ${i}::int) where id = ${c.id}`.execute(
          h.rt.db,
        );
      }
      expect(await outboxRows(h.rt, 'contact', c.id)).toHaveLength(5);
      // One job for the record, however many edits: it waits out the coalescing window first.
      const job = await eventually(() => daemon.queues.push.getJob(`push-contact-${c.id}`), 'the push job');
      expect(job.opts.delay).toBe(COALESCE_MS);
      const jobs = await daemon.queues.push.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
      expect(jobs.filter((j) => j.data.entity === 'contact' && j.data.rowId === c.id)).toHaveLength(1);
    } finally {
      await daemon.queues.push.resume();
    }
    await eventually(
      async () =>
        (await outboxRows(h.rt, 'contact', c.id)).every(
          (r) => r.state === 'done' || r.state === 'superseded',
        ),
      'the push',
    );
    await quiet();
    expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': 1 });
    const remote = await h.remoteContact(c.intercom_id);
    expect(remote.name).toBe('Edit 5');
    expect(remote.custom_attributes.seats).toBe(5);
  });

  it('an invalid row fails on its own while every good one is pushed', async () => {
    await outboxSettled();
    await h.resetStats();
    const { id: bad } = await h.rt.db
      .insertInto('intercom.contacts')
      .values({ role: 'user', name: 'No identity' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const good = [];
    for (let i = 2; i < 22; i++) good.push(await mirroredContact(h.rt, i));
    for (const c of good)
      await h.rt.db
        .updateTable('intercom.contacts')
        .set({ name: `Good ${c.id}` })
        .where('id', '=', c.id)
        .execute();

    await outboxSettled();

    expect((await outboxRows(h.rt, 'contact', Number(bad)))[0]).toMatchObject({ state: 'failed' });
    expect(apiWrites(await h.stats())).toEqual({ 'PUT /contacts/:id': good.length });
    const { contacts } = await h.control<{ contacts: { id: string; name: string }[] }>(
      'GET',
      '/state?entity=contacts',
    );
    const byId = new Map(contacts.map((c) => [c.id, c.name]));
    for (const c of good) expect(byId.get(c.intercom_id)).toBe(`Good ${c.id}`);
  });

  it('a contact, its company link and a note written together all reach Intercom', async () => {
    await outboxSettled();
    const [{ last }] = (
      await sql<{ last: number }>`
      select coalesce(max(id), 0)::int as last from intercom_sync.outbox`.execute(h.rt.db)
    ).rows as [{ last: number }];
    const { admins } = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .executeTakeFirstOrThrow();
    await h.rt.db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('intercom.contacts')
        .values({ role: 'user', email: 'together@example.com', external_id: 'ext-together' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('intercom.contact_companies')
        .values({ contact_id: id, company_id: company.id })
        .execute();
      await trx
        .insertInto('intercom.notes')
        .values({ contact_id: id, body: 'hello', author_id: admins[0]!.id })
        .execute();
    });
    // The link and the note wait for the contact (DependencyNotPushed) and follow when it is there.
    await eventually(() => outboxDrained(h.rt), 'everything to be pushed', 20_000);
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('email', '=', 'together@example.com')
      .executeTakeFirstOrThrow();
    const remote = await h.remoteContact(row.intercom_id!);
    expect(remote.companyIds).toEqual([company.intercom_id]);
    expect(remote.noteIds).toHaveLength(1);
    // Every change this test made was pushed: the contact, the link, the note.
    const changes = await h.rt.db
      .selectFrom('intercom_sync.outbox')
      .select(['entity', 'state'])
      .where('id', '>', last)
      .execute();
    expect(new Set(changes.map((c) => c.entity))).toEqual(new Set(['contact', 'contact_company', 'note']));
    expect(changes.filter((c) => c.state !== 'done' && c.state !== 'superseded')).toEqual([]);
    expect(totalWrites(await h.stats())).toBeGreaterThan(0);
  });
});
