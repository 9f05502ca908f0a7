// Custom attributes written from Postgres, checked against the definitions the full sync mirrors
// (intercom.data_attributes): unknown or mistyped ones fail before any call with the name in the
// reason, or (PUSH_CREATE_ATTRIBUTES) are created first with the value's type. Also what the full
// sync mirrors of the workspace itself: attribute definitions, admins, teams and their links.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { verifyMirror } from '../../src/sync/verify.js';
import {
  apiWrites,
  mirroredContact,
  outboxRows,
  startPushHarness,
  type PushHarness,
} from '../support/push-harness.js';

let h: PushHarness;

beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => h?.close());

async function push(createAttributes = false) {
  await h.resetStats();
  const summary = await drainOutbox(h.ctx({ createAttributes }));
  const stats = await h.stats();
  return { summary, writes: apiWrites(stats), requests: stats.requests };
}

async function setAttributes(rowId: number, patch: Record<string, unknown>) {
  await sql`update intercom.contacts set custom_attributes = custom_attributes || ${JSON.stringify(patch)}::jsonb
    where id = ${rowId}`.execute(h.rt.db);
}

describe('the workspace the full sync mirrors', () => {
  it('has the attribute definitions of contacts and companies, with type and writability', async () => {
    const rows = await h.rt.db
      .selectFrom('intercom.data_attributes')
      .select(['model', 'name', 'data_type', 'api_writable', 'custom'])
      .where('deleted_at', 'is', null)
      .execute();
    expect(rows).toEqual(
      expect.arrayContaining([
        { model: 'contact', name: 'seats', data_type: 'integer', api_writable: true, custom: true },
        { model: 'contact', name: 'is_vip', data_type: 'boolean', api_writable: true, custom: true },
        { model: 'company', name: 'churn_risk', data_type: 'float', api_writable: true, custom: true },
        { model: 'contact', name: 'created_at', data_type: 'date', api_writable: false, custom: false },
      ]),
    );
  });

  it('has the admins and teams, so owners and note authors join to names', async () => {
    const { admins } = await h.control<{ admins: { id: string; name: string }[] }>(
      'GET',
      '/state?entity=admins',
    );
    const mirrored = await h.rt.db
      .selectFrom('intercom.admins')
      .select(['intercom_id', 'name'])
      .orderBy('intercom_id')
      .execute();
    expect(mirrored).toEqual(
      admins
        .map((a) => ({ intercom_id: a.id, name: a.name }))
        .sort((a, b) => a.intercom_id.localeCompare(b.intercom_id)),
    );
    const members = await sql<{ team: string; admins: number }>`
      select t.name as team, count(*)::int as admins from intercom.team_admins ta
      join intercom.teams t on t.id = ta.team_id group by t.name order by t.name`.execute(h.rt.db);
    expect(members.rows).toEqual([
      { team: 'Sales', admins: 3 },
      { team: 'Support', admins: 3 },
    ]);
    // The README's join: every owned contact's owner has a name.
    const owners = await sql<{ owned: number; named: number }>`
      select count(*)::int as owned, count(a.name)::int as named
      from intercom.contacts c left join intercom.admins a on a.intercom_id = c.owner_id::text
      where c.owner_id is not null`.execute(h.rt.db);
    expect(owners.rows[0]!.owned).toBeGreaterThan(0);
    expect(owners.rows[0]!.named).toBe(owners.rows[0]!.owned);
  });
});

describe('custom attributes written in Postgres', () => {
  it('an attribute Intercom does not have fails before any call, naming it (PUSH_CREATE_ATTRIBUTES off)', async () => {
    const contact = await mirroredContact(h.rt, 0);
    await setAttributes(contact.id, { favourite_colour: 'teal' });

    const { summary, requests } = await push();

    expect(summary).toMatchObject({ failed: 1, retry: 0 });
    expect(requests).toBe(0);
    const [row] = await outboxRows(h.rt, 'contact', contact.id);
    expect(row).toMatchObject({ state: 'failed' });
    expect(row!.last_error).toMatch(/custom attribute 'favourite_colour' does not exist in Intercom/);
    expect(row!.last_error).toMatch(/PUSH_CREATE_ATTRIBUTES=true/);
    expect((await h.remoteContact(contact.intercom_id)).custom_attributes).not.toHaveProperty(
      'favourite_colour',
    );
  });

  it('a value of the wrong type fails before any call, naming the attribute and its type', async () => {
    const contact = await mirroredContact(h.rt, 1);
    await setAttributes(contact.id, { seats: 'a dozen' });

    const { summary, requests } = await push(true);

    expect(summary).toMatchObject({ failed: 1 });
    expect(requests).toBe(0);
    const [row] = await outboxRows(h.rt, 'contact', contact.id);
    expect(row!.last_error).toBe(
      `custom attribute 'seats' of contacts is of type integer in Intercom; the value written (received string "a dozen") is not`,
    );
  });

  it('with PUSH_CREATE_ATTRIBUTES the attribute is created first, typed from the value, and recorded', async () => {
    const contact = await mirroredContact(h.rt, 2);
    await setAttributes(contact.id, { loyalty_points: 120, referral_code: 'ADA-7' });

    const { summary, writes } = await push(true);

    expect(summary).toMatchObject({ pushed: 1, failed: 0 });
    expect(writes).toEqual({ 'POST /data_attributes': 2, 'PUT /contacts/:id': 1 });
    const remote = await h.remoteContact(contact.intercom_id);
    expect(remote.custom_attributes).toMatchObject({ loyalty_points: 120, referral_code: 'ADA-7' });
    const defs = await h.rt.db
      .selectFrom('intercom.data_attributes')
      .select(['name', 'data_type', 'custom'])
      .where('model', '=', 'contact')
      .where('name', 'in', ['loyalty_points', 'referral_code'])
      .orderBy('name')
      .execute();
    expect(defs).toEqual([
      { name: 'loyalty_points', data_type: 'integer', custom: true },
      { name: 'referral_code', data_type: 'string', custom: true },
    ]);
    const recorded = await h.rt.db
      .selectFrom('intercom_sync.created_attributes')
      .select(['name', 'data_type', 'row_id'])
      .orderBy('name')
      .execute();
    expect(recorded).toEqual([
      { name: 'loyalty_points', data_type: 'integer', row_id: contact.id },
      { name: 'referral_code', data_type: 'string', row_id: contact.id },
    ]);

    // No echo: the next full pass captures nothing, and both sides agree.
    const before = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
      h.rt.db,
    );
    expect((await runFullSync(h.rt)).status).toBe('succeeded');
    const after = await sql<{ n: number }>`select count(*)::int as n from intercom_sync.outbox`.execute(
      h.rt.db,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    // This contact agrees; the earlier tests' refused changes stay failed, and a failed change
    // keeps its columns against the sync (docs/local-changes.md), so only this one is compared.
    const differences = (await verifyMirror(h.rt)).differences;
    expect(differences.filter((d) => d.intercom_id === contact.intercom_id)).toEqual([]);
  });

  it('a company write is checked the same way', async () => {
    const company = await h.rt.db
      .selectFrom('intercom.companies')
      .select(['id'])
      .where('intercom_id', 'is not', null)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await sql`update intercom.companies set custom_attributes = custom_attributes || '{"is_partner": "yes"}'::jsonb where id = ${company.id}`.execute(
      h.rt.db,
    );
    const { summary, requests } = await push();
    expect(summary).toMatchObject({ failed: 1 });
    expect(requests).toBe(0);
    const [row] = await outboxRows(h.rt, 'company', Number(company.id));
    expect(row!.last_error).toMatch(/custom attribute 'is_partner' of companies is of type boolean/);
  });
});
