// The CLI's habits an operator relies on: `push --dry-run` and `failed retry --dry-run` show what
// they would do and change nothing (no API write, the outbox still pending), `migrate --dry-run`
// applies nothing, and a malformed option is a usage error (exit 2) naming the option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runCli } from '../support/cli.js';
import { apiWrites, mirroredContact, startPushHarness, type PushHarness } from '../support/push-harness.js';

let h: PushHarness;
let contact: Awaited<ReturnType<typeof mirroredContact>>;

beforeAll(async () => {
  h = await startPushHarness({ sandbox: { contacts: 6, companies: 2 } });
  contact = await mirroredContact(h.rt, 0);
  await sql`update intercom.contacts set name = 'Dry Run Name',
    custom_attributes = custom_attributes || '{"plan_tier": "gold"}' where id = ${contact.id}`.execute(
    h.rt.db,
  );
  await h.resetStats();
}, 120_000);
afterAll(() => h?.close());

async function pendingChanges(): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from intercom_sync.outbox where state = 'pending'`.execute(h.rt.db);
  return rows.rows[0]!.n;
}

describe('push --dry-run', () => {
  it('lists each field it would send with Intercom’s value and the new one, and sends nothing', async () => {
    const json = await runCli(['push', '--dry-run', '--json'], h.env);
    expect(json.code, json.stderr).toBe(0);
    const { dryRun, records } = JSON.parse(json.stdout);
    expect(dryRun).toBe(true);
    expect(records).toEqual([
      expect.objectContaining({
        entity: 'contact',
        rowId: contact.id,
        intercomId: contact.intercom_id,
        action: 'update',
        fields: expect.arrayContaining([
          { field: 'name', intercom: contact.name, postgres: 'Dry Run Name' },
          { field: 'custom_attributes.plan_tier', intercom: null, postgres: 'gold' },
        ]),
      }),
    ]);

    const text = await runCli(['push', '--dry-run'], h.env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`    name: ${JSON.stringify(contact.name)} → "Dry Run Name"`);
    expect(text.stdout).toMatch(/dry run: 1 record\(s\) would be pushed; nothing was sent\n$/);

    expect(apiWrites(await h.stats())).toEqual({});
    expect(await pendingChanges()).toBe(1);
    expect((await h.remoteContact(contact.intercom_id)).name).toBe(contact.name);
  });
});

describe('other dry runs and --json', () => {
  it('`failed retry --all --dry-run` and `migrate --dry-run` report and change nothing', async () => {
    const retry = await runCli(['failed', 'retry', '--all', '--dry-run', '--json'], h.env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toEqual({ dryRun: true, retried: [] });

    const migrate = await runCli(['migrate', '--dry-run', '--json'], h.env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout)).toMatchObject({ dryRun: true, pending: [] });
  });
});

describe('usage errors exit 2 and name the option', () => {
  it.each([
    [
      ['verify', '--limit', 'abc'],
      "option '--limit <n>' argument 'abc' is invalid. it takes a whole number of at least 0.",
    ],
    [
      ['status', '--runs', '0'],
      "option '--runs <n>' argument '0' is invalid. it takes a whole number of at least 1.",
    ],
    [['failed', 'list', '--limit', '2.5'], "option '--limit <n>' argument '2.5' is invalid."],
    [['--log-format', 'xml', 'status'], "option '--log-format <format>' argument 'xml' is invalid."],
  ])('%j', async (args, message) => {
    const result = await runCli(args, h.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stdout).toBe('');
  });
});
