// A daemon's full sync is shared by every daemon: its partitions (and the companies scroll) are
// jobs any of them takes, the run ends (and is swept) once all have ended, and a daemon killed
// mid-sync costs only the pages it had in flight.
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { spawnCli } from '../support/cli.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';

const CONTACTS = 1200;
let h: DaemonHarness;
let db: Kysely<Database>;

beforeAll(async () => {
  h = await startDaemonHarness({
    // A killed daemon may leave the companies scroll open: it expires after 5 s here, not a minute,
    // so the daemon that takes over the companies part waits that out within the test's patience.
    sandbox: { contacts: CONTACTS, companies: 40, seed: 21, scrollExpirySeconds: 5 },
    // Parts of 150–225 contacts, two read at once per daemon; a dead daemon's jobs are taken over within seconds.
    env: { SYNC_CONTACT_PARTITIONS: '8', SYNC_CONTACT_CONCURRENCY: '2', JOB_LOCK_MS: '3000' },
  });
  db = createDatabase({ url: h.database.url, poolSize: 2 });
});
afterEach(async () => {
  for (const daemon of h.daemons.splice(0)) await daemon.close();
  h.sandbox.updateSettings({ latencyMs: 0 });
});
afterAll(async () => {
  await db?.destroy();
  await h?.close();
});

async function lastRun() {
  const result = await sql<{ id: number; status: string; fetched: number; complete: boolean }>`
    select r.id, r.status, s.fetched, s.complete from intercom_sync.runs r
    join intercom_sync.run_streams s on s.run_id = r.id and s.stream = 'contacts'
    where r.kind = 'full' order by r.id desc limit 1`.execute(db);
  return result.rows[0];
}

async function mirroredContacts(): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from intercom.contacts where deleted_at is null`.execute(db);
  return result.rows[0]!.n;
}

describe('a full sync run by two daemons', () => {
  it('is read by both: each partition once, by one daemon or the other, and finished once', async () => {
    h.sandbox.updateSettings({ latencyMs: 30 });
    const a = await h.startDaemon();
    await h.startDaemon();
    const job = await a.queues.sync.add('full', { trigger: 'manual' });
    await eventually(async () => (await job.getState()) === 'completed', 'the full sync to finish', 90_000);
    const summary = (await a.queues.sync.getJob(job.id!))!.returnvalue as { runId: number };
    const run = (await lastRun())!;
    expect(run).toMatchObject({ id: summary.runId, status: 'succeeded', complete: true, fetched: CONTACTS });
    expect(await mirroredContacts()).toBe(CONTACTS);

    const parts = (await a.queues.syncParts.getJobs(['completed'])).filter(
      (j) => j.data.runId === summary.runId,
    );
    const contactParts = parts.filter((j) => j.name === 'contacts');
    const keys = contactParts.map((j) => ('partition' in j.data ? j.data.partition : ''));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    expect(parts.filter((j) => j.name === 'companies')).toHaveLength(1);
    expect(parts.filter((j) => j.name === 'finish')).toHaveLength(1);
    // Both daemons read partitions.
    expect(new Set(contactParts.map((j) => j.processedBy)).size).toBe(2);
  });

  it('survives a daemon killed mid-sync: the other takes over its parts, re-reading only pages in flight', async () => {
    await sql`truncate intercom.contacts cascade`.execute(db);
    h.sandbox.updateSettings({ latencyMs: 150 });
    const doomed = spawnCli(['daemon', '--host', '127.0.0.1', '--no-schedule'], {
      ...h.env,
      LOG_LEVEL: 'info',
    });
    try {
      await eventually(
        async () => doomed.output.stderr.includes('daemon listening on'),
        'the doomed daemon to listen',
        60_000,
      );
      const survivor = await h.startDaemon();
      const before = (await lastRun())?.id ?? 0;
      await survivor.queues.sync.add('full', { trigger: 'manual' });
      // Kill it while it reads a partition.
      await eventually(
        async () => {
          const active = await survivor.queues.syncParts.getJobs(['active']);
          return active.some(
            (j) => j.name === 'contacts' && j.processedBy && j.processedBy !== survivor.workerName,
          );
        },
        'the doomed daemon to read a partition',
        60_000,
      );
      doomed.child.kill('SIGKILL');
      await doomed.exited;

      const run = await eventually(
        async () => {
          const last = await lastRun();
          return last && last.id > before && last.status !== 'running' && last;
        },
        'the run to finish',
        90_000,
      );
      expect(run).toMatchObject({ status: 'succeeded', complete: true });
      // Pages the dead daemon had in flight (two partitions at once) are read again; nothing else is.
      expect(run.fetched).toBeGreaterThanOrEqual(CONTACTS);
      expect(run.fetched).toBeLessThanOrEqual(CONTACTS + 2 * 150);
      expect(await mirroredContacts()).toBe(CONTACTS);
    } finally {
      if (doomed.child.exitCode === null) doomed.child.kill('SIGKILL');
    }
  }, 180_000); // a spawned daemon takes seconds to start (tsx), more on a loaded machine
});
