// One rule decides whether failed work is retried (isPermanent): a webhook whose contact Intercom
// no longer has fails for good at once, while one that met a passing outage is retried and applied.
// Applying an item costs an API call only for a list the contact embeds cut (its tags past what
// it shows), so these deliveries carry one; an item the daemon cannot read costs none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { webhookJobId } from '../../src/workers/processors.js';
import { loadDelivery } from '../fixtures/live/index.js';
import {
  contactRow,
  deliver,
  eventually,
  notification,
  startDaemonHarness,
  webhookEvent,
  type DaemonHarness,
} from '../support/daemon-harness.js';

let h: DaemonHarness;
let daemon: Daemon;
beforeAll(async () => {
  h = await startDaemonHarness({ env: { HTTP_MAX_RETRIES: '0' } });
  daemon = await h.startDaemon();
}, 60_000);
afterAll(() => h?.close());

/** A live-shaped contact item whose embedded tags are cut (3 more than shown): applying it reads `/contacts/{id}/tags`. */
function cutTags(id: string): Record<string, unknown> {
  const item = loadDelivery('modern', 'contact.user.updated').data.item;
  return {
    ...item,
    id,
    tags: { type: 'list', data: [], url: `/contacts/${id}/tags`, total_count: 3, has_more: true },
  };
}

async function failedJob(eventId: number) {
  const job = await daemon.queues.webhooks.getJob(webhookJobId(eventId));
  return job && (await job.getState()) === 'failed' ? job : undefined;
}

describe('a webhook job', () => {
  it('fails for good after one attempt when Intercom answers 404 for its contact', async () => {
    const gone = notification('contact.user.updated', cutTags('contact-that-never-was'));
    expect((await deliver(daemon, gone)).status).toBe(200);
    const [event] = await eventually(async () => {
      const rows = await webhookEvent(daemon, gone.id);
      return rows[0]?.status === 'failed' && rows;
    }, 'the event to fail');
    expect(event!.error).toMatch(/404/);
    const job = await eventually(() => failedJob(event!.id), 'the job to be failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/404/);
  });

  it('an item it cannot read (no such role) is set aside at once with its reason, without an API call', async () => {
    h.sandbox.stats.reset();
    const robot = notification('contact.user.updated', { type: 'contact', id: 'c-robot', role: 'robot' });
    expect((await deliver(daemon, robot)).status).toBe(200);
    const [event] = await eventually(async () => {
      const rows = await webhookEvent(daemon, robot.id);
      return rows[0]?.status === 'ignored' && rows;
    }, 'the event to be set aside');
    expect(event!.error).toMatch(/role: expected 'user' or 'lead', received string "robot"/);
    const job = await daemon.queues.webhooks.getJob(webhookJobId(event!.id));
    expect(await job!.getState()).toBe('completed');
    expect(h.sandbox.stats.snapshot().requests).toBe(0);
  });

  it('is retried after a 503, and applies once Intercom answers again', async () => {
    const [contact] = (
      await h.control<{ contacts: { id: string; name: string | null }[] }>('GET', '/state?entity=contacts')
    ).contacts;
    h.sandbox.updateSettings({ faultRate: 1, faultKinds: ['503'] });
    const outage = notification('contact.user.updated', { ...cutTags(contact!.id), name: contact!.name });
    try {
      await deliver(daemon, outage);
      const [event] = await eventually(async () => {
        const rows = await webhookEvent(daemon, outage.id);
        return rows[0]?.status === 'failed' && rows;
      }, 'the first attempt to fail');
      const job = await eventually(async () => {
        const found = await daemon.queues.webhooks.getJob(webhookJobId(event!.id));
        return found && (await found.getState()) === 'delayed' ? found : undefined;
      }, 'the job to wait for its retry');
      expect(job.attemptsMade).toBe(1);
    } finally {
      h.sandbox.updateSettings({ faultRate: 0 });
    }
    await eventually(
      async () => (await webhookEvent(daemon, outage.id))[0]?.status === 'applied',
      'the retry to apply it',
    );
    expect((await contactRow(daemon, contact!.id))?.name).toBe(contact!.name);
  });
});
