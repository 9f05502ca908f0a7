// Both sides edit the same record: per field against the last agreed state. Different fields
// both survive; the same field follows the policy and leaves a conflict row, which
// `conflicts resolve` can re-decide; a full sync between a local edit and its push loses nothing.
//
// Which side changed a field later is decided on timestamps: Postgres's for the local edit,
// Intercom's whole-second updated_at for the remote one. Tests that need Intercom's edit to be the
// later one shift the sandbox's clock ahead before making it (never back: the incremental sync
// reads from its watermark); tests that need the local edit to be later use a sandbox whose clock
// is never shifted, where a remote edit made first is always at or before the local one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.js';
import { listConflicts } from '../../src/db/conflicts.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { runIncrementalSync } from '../../src/sync/incremental-sync.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import type { PushSettings } from '../../src/sync/push/context.js';
import { runCli } from '../support/cli.js';
import { apiWrites, mirroredContact, startPushHarness, type PushHarness } from '../support/push-harness.js';

let h: PushHarness;

async function push(settings: Partial<PushSettings> = {}) {
  await h.resetStats();
  const summary = await drainOutbox(h.ctx(settings));
  return { summary, writes: apiWrites(await h.stats()) };
}

async function localName(rowId: number): Promise<string | null> {
  const row = await h.rt.db
    .selectFrom('intercom.contacts')
    .select('name')
    .where('id', '=', rowId)
    .executeTakeFirstOrThrow();
  return row.name;
}

async function editLocally(rowId: number, name: string) {
  await h.rt.db.updateTable('intercom.contacts').set({ name }).where('id', '=', rowId).execute();
}

async function editInIntercom(intercomId: string, body: Record<string, unknown>) {
  await h.control('PATCH', `/contacts/${intercomId}`, body);
}

/** An agent's edit made 2 s (on Intercom's clock) after everything before it. */
async function editInIntercomLater(intercomId: string, body: Record<string, unknown>) {
  const { clockOffsetSeconds } = await h.control<{ clockOffsetSeconds: number }>('GET', '/settings');
  await h.control('PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + 2 });
  await editInIntercom(intercomId, body);
}

async function conflictsOf(rowId: number) {
  return (await listConflicts(h.rt.db)).filter((c) => c.row_id === rowId && c.kind === 'field');
}

async function sync() {
  const summary = await runIncrementalSync(h.rt);
  expect(summary.status).toBe('succeeded');
}

describe("edits on both sides, Intercom's the later one", () => {
  beforeAll(async () => {
    h = await startPushHarness({ sandbox: { contacts: 24, companies: 3 } });
  });
  afterAll(async () => h?.close());

  it('newest-wins: Intercom changed the field later, so its value stays and the decision is recorded', async () => {
    const c = await mirroredContact(h.rt, 1);
    await editLocally(c.id, 'Local First');
    await editInIntercomLater(c.intercom_id, { name: 'Intercom Later' });
    await sync();

    const { writes } = await push();

    expect(writes).toEqual({});
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Intercom Later');
    expect(await localName(c.id)).toBe('Intercom Later');
    expect(await conflictsOf(c.id)).toEqual([
      expect.objectContaining({
        field: 'name',
        local_value: 'Local First',
        remote_value: 'Intercom Later',
        policy: 'newest-wins',
        decision: 'remote',
        status: 'settled',
      }),
    ]);
  });

  it("intercom-wins puts Intercom's values back in a row edited again after the sync, column and custom attribute, with no call", async () => {
    const c = await mirroredContact(h.rt, 7);
    const editBoth = (name: string, tier: string) =>
      sql`update intercom.contacts set name = ${name},
        custom_attributes = custom_attributes || jsonb_build_object('plan_tier', ${tier}::text) where id = ${c.id}`.execute(
        h.rt.db,
      );
    await editBoth('Local Both', 'local-tier');
    await editInIntercomLater(c.intercom_id, {
      name: 'Remote Both',
      custom_attributes: { plan_tier: 'remote-tier' },
    });
    await sync(); // the row now shows Intercom's values, until the next local edit
    await editBoth('Local Again', 'local-again');

    const { writes } = await push({ policy: 'intercom-wins' });

    expect(writes).toEqual({});
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['name', 'custom_attributes'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('Remote Both');
    expect((row.custom_attributes as Record<string, unknown>).plan_tier).toBe('remote-tier');
    expect((await conflictsOf(c.id)).map((x) => [x.field, x.decision]).sort()).toEqual([
      ['custom_attributes.plan_tier', 'remote'],
      ['name', 'remote'],
    ]);
  });

  it('a per-field postgres-wins override (CONFLICT_POLICY_FIELDS) pushes the local value even when Intercom is newer', async () => {
    const { CONFLICT_POLICY, CONFLICT_POLICY_FIELDS } = loadConfig({
      CONFLICT_POLICY: 'intercom-wins',
      CONFLICT_POLICY_FIELDS: 'contact.name=postgres-wins',
    });
    const c = await mirroredContact(h.rt, 4);
    await editLocally(c.id, 'Postgres Owns Names');
    await sql`update intercom.contacts set phone = '+1000' where id = ${c.id}`.execute(h.rt.db);
    await editInIntercomLater(c.intercom_id, { name: 'Intercom Name', phone: '+2000' });
    await sync();

    const { writes } = await push({ policy: CONFLICT_POLICY, fieldPolicies: CONFLICT_POLICY_FIELDS });

    expect(writes).toEqual({ 'PUT /contacts/:id': 1 });
    // name: the override (postgres); phone: the default (intercom).
    expect(await h.remoteContact(c.intercom_id)).toMatchObject({
      name: 'Postgres Owns Names',
      phone: '+2000',
    });
    const conflicts = await conflictsOf(c.id);
    expect(conflicts).toHaveLength(2);
    expect(conflicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'name', policy: 'postgres-wins', decision: 'local' }),
        expect.objectContaining({ field: 'phone', policy: 'intercom-wins', decision: 'remote' }),
      ]),
    );
  });

  it("conflicts resolve --take local pushes the value Intercom had won with; --take remote brings Intercom's back", async () => {
    const c = await mirroredContact(h.rt, 5);
    await editLocally(c.id, 'Mine');
    await editInIntercomLater(c.intercom_id, { name: 'Theirs' });
    await sync();
    await push();
    const [lost] = await conflictsOf(c.id);
    expect(lost).toMatchObject({ decision: 'remote' });

    const resolved = await runCli(['conflicts', 'resolve', String(lost!.id), '--take', 'local'], h.env);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect((await push()).writes).toEqual({ 'PUT /contacts/:id': 1 });
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Mine');
    expect((await listConflicts(h.rt.db)).find((x) => x.id === lost!.id)).toMatchObject({
      status: 'resolved',
      decision: 'local',
    });

    const back = await runCli(['conflicts', 'resolve', String(lost!.id), '--take', 'remote'], h.env);
    expect(back.code, back.stderr).toBe(0);
    expect((await push()).writes).toEqual({ 'PUT /contacts/:id': 1 });
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Theirs');
    expect(await localName(c.id)).toBe('Theirs');
  });
});

describe('edits on both sides, the local one later or on different fields', () => {
  beforeAll(async () => {
    h = await startPushHarness({ sandbox: { contacts: 24, companies: 3 } });
  });
  afterAll(async () => h?.close());

  it('different fields (and different custom attribute keys) both survive, with no conflict', async () => {
    const c = await mirroredContact(h.rt, 0);
    await sql`update intercom.contacts set name = 'Local Name',
      custom_attributes = custom_attributes || '{"plan_tier": "local-tier"}'::jsonb where id = ${c.id}`.execute(
      h.rt.db,
    );
    await editInIntercom(c.intercom_id, {
      phone: '+4412345',
      custom_attributes: { nickname: 'remote-nick' },
    });
    await sync();

    const { writes } = await push();

    expect(writes).toEqual({ 'PUT /contacts/:id': 1 });
    const remote = await h.remoteContact(c.intercom_id);
    expect(remote).toMatchObject({ name: 'Local Name', phone: '+4412345' });
    expect(remote.custom_attributes).toMatchObject({ plan_tier: 'local-tier', nickname: 'remote-nick' });
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['name', 'phone', 'custom_attributes'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'Local Name', phone: '+4412345' });
    expect(row.custom_attributes).toMatchObject({ plan_tier: 'local-tier', nickname: 'remote-nick' });
    expect(await conflictsOf(c.id)).toEqual([]);
  });

  it('newest-wins: Postgres changed the field later, so its value is pushed', async () => {
    const c = await mirroredContact(h.rt, 2);
    await editInIntercom(c.intercom_id, { name: 'Intercom First' });
    await editLocally(c.id, 'Local Later');
    await sync();

    const { writes } = await push();

    expect(writes).toEqual({ 'PUT /contacts/:id': 1 });
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Local Later');
    expect(await localName(c.id)).toBe('Local Later');
    expect(await conflictsOf(c.id)).toEqual([
      expect.objectContaining({
        field: 'name',
        local_value: 'Local Later',
        remote_value: 'Intercom First',
        decision: 'local',
      }),
    ]);
  });

  it("intercom-wins keeps Intercom's value even when the local change is newer", async () => {
    const c = await mirroredContact(h.rt, 3);
    await editInIntercom(c.intercom_id, { name: 'Intercom Owns This' });
    await editLocally(c.id, 'Local Newer');
    await sync();

    const { writes } = await push({ policy: 'intercom-wins' });

    expect(writes).toEqual({});
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Intercom Owns This');
    expect(await localName(c.id)).toBe('Intercom Owns This');
    expect(await conflictsOf(c.id)).toEqual([
      expect.objectContaining({ policy: 'intercom-wins', decision: 'remote' }),
    ]);
  });

  it('a local edit made before a full sync is not lost: the sync mirrors Intercom, the push then sends the edit', async () => {
    const c = await mirroredContact(h.rt, 6);
    await editLocally(c.id, 'Edited Before The Nightly Pass');
    const full = await runFullSync(h.rt);
    expect(full.status).toBe('succeeded');

    const { writes } = await push();

    expect(writes).toEqual({ 'PUT /contacts/:id': 1 });
    expect((await h.remoteContact(c.intercom_id)).name).toBe('Edited Before The Nightly Pass');
    expect(await localName(c.id)).toBe('Edited Before The Nightly Pass');
  });
});
