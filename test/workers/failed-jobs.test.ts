// `failed list|retry`: what failed for good is visible with its reason, and goes back to work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { failedSources, listFailed, retryFailed, type FailedItem } from '../../src/workers/failed-jobs.js';
import { contactRow, deliver, eventually, notification, startDaemonHarness, TOKEN, webhookEvent, type DaemonHarness } from '../support/daemon-harness.js';
import { spawnCli } from '../support/cli.js';
import { loadDelivery } from '../fixtures/live/index.js';
import { uniqueName } from '../support/services.js';

let h: DaemonHarness;
let daemon: Daemon;
const sources = () =>
  failedSources({ db: daemon.runtime.db, queues: [daemon.queues.sync, daemon.queues.webhooks, daemon.queues.sweeper] });

beforeAll(async () => {
  h = await startDaemonHarness({ env: { HTTP_MAX_RETRIES: '0' } });
  daemon = await h.startDaemon();
});
afterAll(() => h?.close());

/**
 * A notification of a contact Intercom does not have, whose embedded tags are cut (so applying it
 * reads them): the 404 parks it for good. Each test makes its own.
 */
async function failedWebhook(): Promise<{ eventId: number; notificationId: string }> {
  const item = loadDelivery('modern', 'contact.user.updated').data.item;
  const gone = uniqueName('gone');
  const bad = notification('contact.user.updated', {
    ...item,
    id: gone,
    tags: { type: 'list', data: [], url: `/contacts/${gone}/tags`, total_count: 3, has_more: true },
  });
  await deliver(daemon, bad);
  const [row] = await eventually(async () => {
    const rows = await webhookEvent(daemon, bad.id);
    return rows[0]?.status === 'failed' && rows;
  }, 'the notification to fail');
  return { eventId: row!.id, notificationId: bad.id };
}

/** An incremental sync job run (one attempt) while Intercom answers 503 to everything. */
async function failedSyncJob(): Promise<string> {
  h.sandbox.updateSettings({ faultRate: 1, faultKinds: ['503'] });
  try {
    const job = await daemon.queues.sync.add('incremental', { trigger: 'manual' }, { attempts: 1 });
    await eventually(async () => (await job.getState()) === 'failed', 'the sync job to fail', 15_000);
    return job.id!;
  } finally {
    h.sandbox.updateSettings({ faultRate: 0 });
  }
}

describe('failed list', () => {
  it('shows failed jobs of every queue and failed webhook events, each once, with its reason', async () => {
    const malformed = await failedWebhook();
    const syncJobId = await failedSyncJob();
    const items = await listFailed(sources());
    const ids = items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining([`sync/${syncJobId}`, `webhook/${malformed.eventId}`]));
    expect(new Set(ids).size).toBe(ids.length);
    const event = items.find((i) => i.id === `webhook/${malformed.eventId}`)!;
    expect(event).toMatchObject<Partial<FailedItem>>({
      name: 'contact.user.updated',
      attemptsMade: 1,
      queue: null,
    });
    expect(event.failedReason).toMatch(/404/);
    const job = items.find((i) => i.id === `sync/${syncJobId}`)!;
    expect(job).toMatchObject({ queue: 'sync', name: 'incremental', attemptsMade: 1 });
    expect(job.failedReason).toMatch(/incremental sync run \d+ failed/);
    expect(Date.parse(job.timestamp!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('`intercom-sync failed list --json` prints the same as one JSON document', async () => {
    await failedWebhook();
    await failedSyncJob();
    const listed = await listFailed(sources());
    const cli = spawnCli(['failed', 'list', '--json'], h.env);
    const { code } = await cli.exited;
    expect(code, cli.output.stderr).toBe(0);
    const document = JSON.parse(cli.output.stdout) as { failed: FailedItem[] };
    expect(document.failed.map((i) => i.id).sort()).toEqual(listed.map((i) => i.id).sort());
  });
});

describe('failed retry', () => {
  it('re-runs a failed sync job, which succeeds once Intercom answers again', async () => {
    const syncJobId = await failedSyncJob();
    expect(await retryFailed(sources(), `sync/${syncJobId}`)).toBe(true);
    const job = (await daemon.queues.sync.getJob(syncJobId))!;
    await eventually(async () => (await job.getState()) === 'completed', 'the retried sync job to complete', 15_000);
    expect((await listFailed(sources())).map((i) => i.id)).not.toContain(`sync/${syncJobId}`);
    // Retrying what is no longer failed says so.
    expect(await retryFailed(sources(), `sync/${syncJobId}`)).toBe(false);
  });

  it('re-enqueues a failed webhook event: it is tried again and, still failing, parked again', async () => {
    const malformed = await failedWebhook();
    expect(await retryFailed(sources(), `webhook/${malformed.eventId}`)).toBe(true);
    await eventually(async () => (await webhookEvent(daemon, malformed.notificationId))[0]?.attempts === 2, 'the second attempt');
    expect(await webhookEvent(daemon, malformed.notificationId)).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 2, error: expect.stringMatching(/404/) }),
    ]);
  });

  it('`failed retry <id>` applies an event parked during an outage whose job is gone', async () => {
    const list = await fetch(`${h.sandbox.url}/contacts?per_page=5`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const contact = ((await list.json()) as { data: Record<string, unknown>[] }).data[0]!;
    const n = notification('contact.user.updated', { ...contact, name: 'Applied On Retry', updated_at: Number(contact.updated_at) + 5 });
    await daemon.queues.webhooks.pause();
    await deliver(daemon, n);
    const [row] = await webhookEvent(daemon, n.id);
    // The hand-off lingers after the answer: its job is in Redis before it is lost.
    await eventually(async () => {
      const jobs = await daemon.queues.webhooks.getJobs(['waiting']);
      return jobs.some((job) => ('eventIds' in job.data ? job.data.eventIds : [job.data.eventId]).includes(row!.id));
    }, 'the event to be queued');
    // As a database outage would leave it: parked, and its job lost.
    await daemon.runtime.db
      .updateTable('intercom_sync.webhook_events')
      .set({ status: 'failed', error: 'connection terminated unexpectedly', attempts: 5 })
      .where('id', '=', row!.id)
      .execute();
    await daemon.queues.webhooks.obliterate({ force: true });

    const cli = spawnCli(['failed', 'retry', `webhook/${row!.id}`], h.env);
    const { code } = await cli.exited;
    expect(code, cli.output.stderr).toBe(0);
    expect(cli.output.stdout.trim()).toBe(`retried webhook/${row!.id}`);
    await daemon.queues.webhooks.resume();
    await eventually(async () => (await contactRow(daemon, String(contact.id)))?.name === 'Applied On Retry', 'the retried event to apply');
    expect(await webhookEvent(daemon, n.id)).toEqual([expect.objectContaining({ status: 'applied', error: null })]);
  });

  it('`failed retry` of an unknown id exits 2 with a sentence saying what ids look like', async () => {
    const cli = spawnCli(['failed', 'retry', 'nonsense'], h.env);
    const { code } = await cli.exited;
    expect(code).toBe(2);
    expect(cli.output.stderr).toMatch(/'nonsense' is not a failed-item id \(they look like .*webhook\/….*outbox\/…, parked\/…\)/);
  });
});
