// `sync full --json`, `verify [--json]` and `status [--json]` run as a user runs them. The first
// test syncs an empty mirror through the CLI; the others share a mirror synced once, in which three
// names were then edited by hand, and only read it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runFullSync } from '../../src/sync/full-sync.js';
import { runCli } from '../support/cli.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const SANDBOX = { contacts: 300, companies: 40, seed: 2 };
let h: SyncHarness;

function oneJsonDocument(stdout: string): any {
  expect(stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(stdout);
}

describe('the CLI on an empty mirror', () => {
  beforeAll(async () => {
    h = await startSyncHarness({ sandbox: SANDBOX });
  });
  afterAll(() => h?.close());

  it('`sync full --json` prints one JSON summary, and `verify --json` then reports clean with exit 0', async () => {
    const sync = await runCli(['sync', 'full', '--json'], h.env);
    expect(sync.code, sync.stderr).toBe(0);
    const summary = oneJsonDocument(sync.stdout);
    expect(summary).toMatchObject({ status: 'succeeded', resumed: false });
    expect(summary.streams.find((s: { stream: string }) => s.stream === 'contacts')).toMatchObject({
      fetched: 300,
      inserted: 300,
    });

    const verify = await runCli(['verify', '--json'], h.env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(oneJsonDocument(verify.stdout)).toMatchObject({
      clean: true,
      counts: { total: 0 },
      checked: { contacts: 300, companies: 40 },
      differences: [],
    });
  });
});

describe('the CLI on a synced mirror with three names edited by hand', () => {
  beforeAll(async () => {
    h = await startSyncHarness({ sandbox: SANDBOX });
    const summary = await runFullSync(h.rt);
    if (summary.status !== 'succeeded') throw new Error(`the full sync failed: ${summary.error}`);
    await sql`update intercom.contacts set name = 'Drifted' where id in (select id from intercom.contacts order by id limit 3)`.execute(
      h.rt.db,
    );
  });
  afterAll(() => h?.close());

  it('`verify` exits 1 and names the differences when the mirror drifted, bounded by --limit', async () => {
    const json = await runCli(['verify', '--json', '--limit', '2'], h.env);
    expect(json.code).toBe(1);
    const report = oneJsonDocument(json.stdout);
    expect(report.clean).toBe(false);
    expect(report.counts).toMatchObject({ total: 3, stale: 3 });
    expect(report.differences).toHaveLength(2);
    expect(report.differences[0]).toMatchObject({
      entity: 'contacts',
      kind: 'stale',
      field: 'name',
      postgres: 'Drifted',
    });

    const text = await runCli(['verify'], h.env);
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^verify: 3 differences \(missing 0, extra 0, stale 3; contacts 3\)/);
    expect(lines.slice(1).filter((l) => l.includes('name is "Drifted" in Postgres'))).toHaveLength(3);
  });

  it("`status --json` shows each stream's runs, watermark and lag, the queues and the backlogs", async () => {
    const status = await runCli(['status', '--json'], h.env);
    expect(status.code, status.stderr).toBe(0);
    const doc = oneJsonDocument(status.stdout);
    const contacts = doc.streams.find((s: { stream: string }) => s.stream === 'contacts');
    expect(contacts.runs[0]).toMatchObject({
      kind: 'full',
      status: 'succeeded',
      complete: true,
      fetched: 300,
    });
    expect(contacts.runs[0].apiCalls).toBeGreaterThan(0);
    expect(contacts.watermark).not.toBeNull();
    expect(contacts.watermarkLagSeconds).toBeGreaterThan(0);
    expect(contacts.sinceLastSuccessSeconds).toBeLessThan(120);
    expect(doc.streams.map((s: { stream: string }) => s.stream)).toEqual(
      expect.arrayContaining(['companies', 'tags', 'segments', 'notes']),
    );
    expect(doc.queues).toMatchObject({ available: true });
    expect(Object.keys(doc.queues.counts)).toEqual(expect.arrayContaining(['sweeper', 'sync', 'webhooks']));
    expect(doc.queues.counts.sync).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    expect(doc.webhooks).toMatchObject({ pending: 0, failed: 0 });
    // The three names edited by hand are local changes waiting to be pushed.
    expect(doc.outbox).toMatchObject({ backlog: 3, failed: 0, byState: { pending: 3 } });
    expect(doc.conflicts).toEqual({ open: 0 });
  });

  it('`status` works without Redis and says the queues are unavailable', async () => {
    const env = { DATABASE_URL: h.env.DATABASE_URL!, REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent' };
    const json = await runCli(['status', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const doc = oneJsonDocument(json.stdout);
    expect(doc.queues.available).toBe(false);
    expect(doc.queues.error).toMatch(/Redis/);

    const text = await runCli(['status'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^contacts: last success \d+ s ago; watermark /m);
    expect(text.stdout).toMatch(/^  run \d+ full succeeded: fetched 300/m);
    expect(text.stdout).toMatch(/^queues: unavailable — cannot reach Redis/m);
    expect(text.stdout).toMatch(/^outbox: 3 waiting, 0 failed; conflicts: 0 open$/m);
  });
});
