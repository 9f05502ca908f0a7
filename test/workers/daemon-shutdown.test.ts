// Stopping a daemon with a full sync in flight: within the grace period the job finishes; past it
// the job is cut off and another daemon takes it over, so the sync is never lost. And the process
// itself: SIGTERM → exit code 0 within the grace period.
import { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import { createDatabase, type Database } from '../../src/db/database.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { QUEUE_NAMES } from '../../src/workers/queues.js';
import { createTestRedis } from '../support/services.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { spawnCli } from '../support/cli.js';

const CONTACTS = 240;
let h: DaemonHarness;
let syncQueue: Queue;
let db: Kysely<Database>;
const redis = createTestRedis();

beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: CONTACTS, companies: 30, seed: 9 } });
  // Small pages, so a full sync is many requests and latency makes it last.
  db = createDatabase({ url: h.database.url, poolSize: 2 });
  syncQueue = new Queue(QUEUE_NAMES.sync, { connection: redis, prefix: h.env.REDIS_PREFIX! });
});
// Each test's daemons stop with it, so no other consumer takes the next test's jobs.
afterEach(async () => {
  for (const daemon of h.daemons) await daemon.close();
  await h.control('POST', '/scroll/reset');
});
afterAll(async () => {
  await syncQueue?.close();
  await db?.destroy();
  await h?.close();
  redis.disconnect();
});

async function runs() {
  const result = await sql<{ id: number; status: string; finished: boolean }>`
    select id, status, finished_at is not null as finished from intercom_sync.runs where kind = 'full' order by id`.execute(db);
  return result.rows;
}

async function mirroredContacts(): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from intercom.contacts where deleted_at is null`.execute(db);
  return result.rows[0]!.n;
}

async function startFullSync(daemon: Daemon) {
  const job = await daemon.queues.sync.add('full', { trigger: 'manual' });
  await eventually(async () => (await job.getState()) === 'active', 'the full sync to start');
  // Wait until it has written something, so it is well and truly in flight.
  await eventually(async () => (await mirroredContacts()) > 0 || (await runs()).length > 0, 'the first writes');
  return job.id!;
}

describe('stopping a daemon with a full sync in flight', () => {
  it('lets the job finish within the grace period, then stops', async () => {
    h.sandbox.updateSettings({ latencyMs: 15 });
    const daemon = await h.startDaemon({ graceMs: 20_000 });
    const jobId = await startFullSync(daemon);
    await daemon.close();
    // Finished, not cut off: a job past the grace would be back in 'waiting' with its run unfinished.
    expect(await syncQueue.getJobState(jobId)).toBe('completed');
    const [run] = (await runs()).slice(-1);
    expect(run).toMatchObject({ status: 'succeeded', finished: true });
  });

  it('cuts the job off after a short grace without spending an attempt; a second daemon resumes the same run', async () => {
    h.sandbox.updateSettings({ latencyMs: 120 });
    // Start from an empty mirror, so "complete" means this sync did it.
    const first = await h.startDaemon({ graceMs: 300 });
    await sql`truncate intercom.contacts cascade`.execute(db);
    const runsBefore = (await runs()).length;
    const jobId = await startFullSync(first);
    await first.close();
    // Back in the queue without spending an attempt: a rolling restart must not use up retries.
    expect(await syncQueue.getJobState(jobId)).toBe('waiting');
    expect((await syncQueue.getJob(jobId))!.attemptsMade).toBe(0);
    const cutRun = (await runs()).at(-1)!;
    expect(cutRun).toMatchObject({ finished: false });

    // A scroll cut off mid-way stays open until Intercom expires it a minute later
    // (docs/intercom-api.md#one-scroll-at-a-time); the resumed run would wait that out. Expire it now.
    await h.control('POST', '/scroll/reset');
    h.sandbox.updateSettings({ latencyMs: 0 });
    const second = await h.startDaemon();
    await eventually(async () => (await syncQueue.getJobState(jobId)) === 'completed', 'the retried job to complete', 30_000);
    const job = (await syncQueue.getJob(jobId))!;
    expect(job.attemptsMade).toBe(1);
    // The same run, resumed from its checkpoints, not a new one.
    expect(job.returnvalue).toMatchObject({ runId: cutRun.id, resumed: true });
    expect((await runs()).slice(runsBefore)).toEqual([{ id: cutRun.id, status: 'succeeded', finished: true }]);
    expect(await mirroredContacts()).toBe(CONTACTS);
    await second.close();
  });
});

describe('the daemon process', () => {
  it('exits 0 within the grace period on SIGTERM with a job in flight', async () => {
    h.sandbox.updateSettings({ latencyMs: 150 });
    const cli = spawnCli(['daemon', '--host', '127.0.0.1', '--grace-ms', '400', '--no-schedule'], {
      ...h.env,
      LOG_LEVEL: 'info',
    });
    try {
      await eventually(async () => cli.output.stderr.includes('daemon listening on'), 'the daemon to listen', 20_000);
      const job = await syncQueue.add('full', { trigger: 'manual' });
      await eventually(async () => (await job.getState()) === 'active', 'the job to start', 10_000);
      cli.child.kill('SIGTERM');
      const { code, signal } = await cli.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      // It did not wait for the job (that would take far longer at 150 ms a call): the grace ran out.
      expect(cli.output.stdout).toMatch(/"msg":"grace period over: cutting off the jobs still running"/);
      expect(cli.output.stdout).toMatch(/"msg":"stopped"/);
      // Cut off, not lost: the job waits for the next daemon.
      expect(await job.getState(), cli.output.stdout).toBe('waiting');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      h.sandbox.updateSettings({ latencyMs: 0 });
    }
  });
});
