// Redis only distributes work (docs/design.md#principle-1): a daemon on a Redis of its own that the test
// stops, restarts empty and flushes. Readiness follows Redis, and no stored webhook is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { SCHEDULER_IDS } from '../../src/workers/schedules.js';
import { contactRow, deliver, eventually, notification, startDaemonHarness, TOKEN, webhookEvent, type DaemonHarness } from '../support/daemon-harness.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';

let h: DaemonHarness;
let redis: OwnRedis;
let daemon: Daemon;

beforeAll(async () => {
  redis = await startOwnRedis();
  h = await startDaemonHarness({ env: { REDIS_URL: redis.url } });
  daemon = await h.startDaemon({
    schedule: true,
    sweep: { everyMs: 300, olderThanMs: 0 },
    scheduleCheckMs: 300,
  });
});
afterAll(async () => {
  await redis?.start().catch(() => undefined);
  await h?.close();
  await redis?.stop();
});

async function ready(): Promise<{ status: number; body: { ready: boolean; checks: Record<string, boolean> } }> {
  const response = await fetch(`${daemon.url}/ready`);
  return { status: response.status, body: (await response.json()) as never };
}

/** A contact-updated notification carrying the sandbox's own JSON for one contact, renamed. */
/** The event ids the waiting webhook jobs carry (an apply-group job carries several). */
async function queuedEventIds(daemon: Daemon): Promise<number[]> {
  const jobs = await daemon.queues.webhooks.getJobs(['waiting']);
  return jobs.flatMap((job) => ('eventIds' in job.data ? [...job.data.eventIds] : [job.data.eventId]));
}

async function renameNotification(index: number, name: string) {
  const list = await fetch(`${h.sandbox.url}/contacts?per_page=20`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const contact = ((await list.json()) as { data: Record<string, unknown>[] }).data[index]!;
  return {
    id: String(contact.id),
    body: notification('contact.user.updated', { ...contact, name, updated_at: Number(contact.updated_at) + 1 }),
  };
}

describe('a daemon whose Redis goes away', () => {
  it('/ready turns 503 naming redis while Redis is stopped, and 200 again once it is back', async () => {
    expect(await ready()).toEqual({ status: 200, body: { ready: true, checks: { postgres: true, redis: true } } });
    await redis.stop();
    const down = await eventually(async () => {
      const r = await ready();
      return r.status === 503 && r;
    }, '/ready to turn 503');
    expect(down.body).toEqual({ ready: false, checks: { postgres: true, redis: false } });
    await redis.start();
    await eventually(async () => (await ready()).status === 200, '/ready to turn 200 again', 15_000);
  });

  it('acknowledges a webhook at once while Redis is down, and applies it once Redis is back', async () => {
    await redis.stop();
    const { id, body } = await renameNotification(0, 'Sent While Redis Was Down');
    const started = Date.now();
    const response = await deliver(daemon, body);
    expect(response.status).toBe(200);
    // Intercom gives up after 5 s and counts a failure; the event is stored, so answer at once
    // (the queue gets 1 s) rather than wait for Redis, which is still down as the answer arrives.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await webhookEvent(daemon, body.id)).toEqual([expect.objectContaining({ status: 'received' })]);

    // Back, but empty (no persistence): the job and the schedulers are gone.
    await redis.start();
    await eventually(async () => (await contactRow(daemon, id))?.name === 'Sent While Redis Was Down', 'the webhook to be applied', 20_000);
    expect(await webhookEvent(daemon, body.id)).toEqual([expect.objectContaining({ status: 'applied', attempts: 1 })]);
  });

  it('a FLUSHALL loses no stored webhook: the sweeper re-enqueues them and the schedulers come back', async () => {
    await eventually(async () => (await ready()).status === 200, 'the daemon to be ready', 15_000);
    await daemon.queues.webhooks.pause();
    const sent = await Promise.all([1, 2, 3, 4, 5].map((i) => renameNotification(i, `Flushed ${i}`)));
    for (const { body } of sent) expect((await deliver(daemon, body)).status).toBe(200);
    // Handed off in apply-group jobs (as many as the linger made; the sweeper may have queued an
    // event again on its own): all five events are in Redis.
    const stored = await Promise.all(sent.map(async ({ body }) => (await webhookEvent(daemon, body.id))[0]!.id));
    await eventually(async () => {
      const queued = new Set(await queuedEventIds(daemon));
      return stored.every((id) => queued.has(id));
    }, 'the five events to be queued');
    for (const { body } of sent) expect((await webhookEvent(daemon, body.id))[0]?.status).toBe('received');

    await redis.flushAll();

    for (const [i, { id }] of sent.entries()) {
      await eventually(async () => (await contactRow(daemon, id))?.name === `Flushed ${i + 1}`, `flushed webhook ${i + 1}`, 15_000);
    }
    for (const { body } of sent) {
      expect(await webhookEvent(daemon, body.id)).toEqual([expect.objectContaining({ status: 'applied', attempts: 1 })]);
    }
    expect(await daemon.queues.sweeper.getJobScheduler(SCHEDULER_IDS.sweeper)).toBeDefined();
    expect(await daemon.queues.sync.getJobScheduler(SCHEDULER_IDS.full)).toBeDefined();
  });
});
