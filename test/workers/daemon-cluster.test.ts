// Two daemons on one Postgres and one Redis share the work: each scheduled run happens once, one
// full pass runs at a time (so never two companies scrolls), and each webhook is applied once.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import type { Daemon } from '../../src/app/daemon.js';
import { SCHEDULER_IDS, upsertSchedules } from '../../src/workers/schedules.js';
import { deliver, eventually, notification, startDaemonHarness, TOKEN, type DaemonHarness } from '../support/daemon-harness.js';

let h: DaemonHarness;
let a: Daemon;
let b: Daemon;
let db: Kysely<Database>;

beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: 120, companies: 250, seed: 13, scrollPageSize: 20 } });
  // Both run the real schedules (nightly cron, incremental, sweeper), as production daemons do.
  a = await h.startDaemon({ schedule: true });
  b = await h.startDaemon({ schedule: true });
  db = createDatabase({ url: h.database.url, poolSize: 2 });
});
afterAll(async () => {
  await db?.destroy();
  await h?.close();
});

interface Stats {
  byRoute: Record<string, Record<string, number>>;
}

async function fullRuns(): Promise<{ id: number; status: string }[]> {
  const result = await sql<{ id: number; status: string }>`
    select id, status from intercom_sync.runs where kind = 'full' order by id`.execute(db);
  return result.rows;
}

describe('two daemons against the same Postgres and Redis', () => {
  it('keep one copy of each job scheduler, however many daemons upsert them', async () => {
    const sync = await a.queues.sync.getJobSchedulers();
    const sweeper = await b.queues.sweeper.getJobSchedulers();
    expect(sync.map((s) => s.key).sort()).toEqual([SCHEDULER_IDS.full, SCHEDULER_IDS.incremental].sort());
    expect(sweeper.map((s) => s.key)).toEqual([SCHEDULER_IDS.sweeper]);
  });

  it('run a scheduled full sync once per slot, on one daemon or the other', async () => {
    await a.queues.sync.removeJobScheduler(SCHEDULER_IDS.incremental);
    try {
      await scheduledFullSyncs();
    } finally {
      // Put back what the daemons upserted at start (the defaults), for the tests that check it.
      await upsertSchedules(a.queues, { fullSyncCron: '0 3 * * *', incrementalEveryMs: 5 * 60_000, sweepEveryMs: 30_000 });
    }
  });

  async function scheduledFullSyncs() {
    const runsBefore = (await fullRuns()).length;
    // What both daemons do at start, with a schedule that fires every 0.6 s for the test (faster
    // than a pass: later slots find the previous run still going, and skip).
    const every = 600;
    for (const d of [a, b]) {
      await d.queues.sync.upsertJobScheduler(
        'test-full-every',
        { every },
        { name: 'full', data: { trigger: 'schedule' } },
      );
    }
    const done = await eventually(async () => {
      const jobs = (await a.queues.sync.getJobs(['completed'])).filter((j) => j.name === 'full' && j.repeatJobKey === 'test-full-every');
      return jobs.length >= 3 && jobs;
    }, 'three scheduled full syncs', 20_000);
    await a.queues.sync.removeJobScheduler('test-full-every');
    await eventually(async () => (await a.queues.sync.getActiveCount()) === 0, 'the last run to end');

    // A scheduled job's id names its slot (`repeat:<scheduler>:<millis>`).
    const slots = done.map((j) => Number(j.id!.split(':').at(-1))).sort((x, y) => x - y);
    // One job per slot: no two scheduled for the same moment.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(every * 0.9);
    const completed = (await a.queues.sync.getJobs(['completed'])).filter((j) => j.repeatJobKey === 'test-full-every');
    expect(completed.every((j) => j.attemptsMade === 1)).toBe(true);
    // Each slot ran once: a run of its own, or (if the previous slot's run was still going) a skip.
    const values = completed.map((j) => j.returnvalue as { runId?: number; skipped?: string });
    for (const v of values) expect(v.runId !== undefined || v.skipped === 'a full sync is already running for this workspace').toBe(true);
    const runIds = values.flatMap((v) => (v.runId === undefined ? [] : [v.runId]));
    expect(new Set(runIds).size).toBe(runIds.length);
    const runs = (await fullRuns()).slice(runsBefore);
    expect(runs.map((r) => r.id).sort()).toEqual([...runIds].sort());
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
  }

  it('given a full sync each at the same moment, run one pass and never open two companies scrolls', async () => {
    h.sandbox.updateSettings({ latencyMs: 20 });
    await h.control('POST', '/stats/reset');
    const runsBefore = (await fullRuns()).length;
    const [first, second] = await Promise.all([
      a.queues.sync.add('full', { trigger: 'manual' }),
      b.queues.sync.add('full', { trigger: 'manual' }),
    ]);
    const results = await eventually(async () => {
      const states = await Promise.all([first!.getState(), second!.getState()]);
      if (!states.every((s) => s === 'completed')) return false;
      return Promise.all([a.queues.sync.getJob(first!.id!), a.queues.sync.getJob(second!.id!)]);
    }, 'both jobs to finish', 30_000);
    h.sandbox.updateSettings({ latencyMs: 0 });
    const values = results.map((j) => j!.returnvalue as { runId?: number; skipped?: string });
    expect(values.filter((v) => v.runId !== undefined)).toHaveLength(1);
    expect(values.filter((v) => v.skipped)).toEqual([{ skipped: 'a full sync is already running for this workspace' }]);
    expect((await fullRuns()).length).toBe(runsBefore + 1);

    const stats = await h.control<Stats>('GET', '/stats');
    const scroll = stats.byRoute['GET /companies/scroll'] ?? {};
    // 250 companies in pages of 20: one scroll of 14 calls, and no "scroll already exists".
    expect(scroll['200']).toBe(14);
    expect(scroll['400'] ?? 0).toBe(0);
  });

  it('apply each webhook once, whichever daemon receives it (or both)', async () => {
    const list = await fetch(`${h.sandbox.url}/contacts?per_page=30`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const contacts = ((await list.json()) as { data: Record<string, unknown>[] }).data;
    const sent = contacts.map((c, i) =>
      notification('contact.user.updated', { ...c, name: `Cluster ${i}`, updated_at: Number(c.updated_at) + 10 }),
    );
    // Each to one daemon and its redelivery to the other, all at once.
    await Promise.all(sent.flatMap((n, i) => [deliver(i % 2 ? a : b, n), deliver(i % 2 ? b : a, n)]));
    const rows = await eventually(async () => {
      const result = await db
        .selectFrom('intercom_sync.webhook_events')
        .select(['notification_id', 'status', 'attempts'])
        .where('notification_id', 'in', sent.map((n) => n.id))
        .execute();
      return result.length === sent.length && result.every((r) => r.status === 'applied') && result;
    }, 'every webhook to be applied');
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const names = await db
      .selectFrom('intercom.contacts')
      .select('name')
      .where('intercom_id', 'in', contacts.map((c) => String(c.id)))
      .execute();
    expect(names.map((n) => n.name).sort()).toEqual(contacts.map((_, i) => `Cluster ${i}`).sort());
  });
});
