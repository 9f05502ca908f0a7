// One rule decides whether failed work is retried (isPermanent): a webhook whose contact Intercom
// no longer has fails for good at once, while one that met a passing outage is retried and applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { webhookJobId } from '../../src/workers/processors.js';
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

/** An item that does not map (no such role), so the daemon reads the contact from the API instead. */
const unmappable = (id: string) => ({ type: 'contact', id, role: 'robot', name: 'From the webhook' });

async function failedJob(eventId: number) {
  const job = await daemon.queues.webhooks.getJob(webhookJobId(eventId));
  return job && (await job.getState()) === 'failed' ? job : undefined;
}

describe('a webhook job', () => {
  it('fails for good after one attempt when Intercom answers 404 for its contact', async () => {
    const gone = notification('contact.user.updated', unmappable('contact-that-never-was'));
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

  it('is retried after a 503, and applies once Intercom answers again', async () => {
    const [contact] = (
      await h.control<{ contacts: { id: string; name: string | null }[] }>('GET', '/state?entity=contacts')
    ).contacts;
    h.sandbox.updateSettings({ faultRate: 1, faultKinds: ['503'] });
    const outage = notification('contact.user.updated', unmappable(contact!.id));
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
