// The route's hand-off as jobs: events stored within the linger (on the injected clock) go in one
// `apply-group` job, and the events a group leaves alone get an `apply` job each (webhook-<id>),
// so each of those is retried, fails and is listed on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { storeWebhookEvents } from '../../src/db/webhook-events.js';
import { WebhookItems } from '../../src/sandbox/webhook-items.js';
import {
  enqueueWebhookGroups,
  webhookJobId,
  webhookProcessor,
  WEBHOOK_GROUP,
} from '../../src/workers/processors.js';
import { createQueues, type Queues, type WebhooksQueueJob } from '../../src/workers/queues.js';
import { ManualClock } from '../support/manual-clock.js';
import { incomingEvent } from '../support/incoming-event.js';
import { uniqueName } from '../support/services.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
let queues: Queues;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 4, companies: 2, seed: 23, tagTotalMismatchRate: 0 } });
  queues = createQueues({ connection: h.rt.redis, prefix: uniqueName('groups') });
});
afterAll(async () => {
  await queues?.webhooks.obliterate({ force: true });
  await queues?.close();
  await h?.close();
});

const waiting = () => queues.webhooks.getJobs(['waiting', 'delayed', 'prioritized']);

describe('the webhook hand-off', () => {
  it('puts the events stored within the linger in one apply-group job, and later ones in the next', async () => {
    const clock = new ManualClock();
    const enqueue = enqueueWebhookGroups(queues.webhooks, clock);
    const first = [enqueue(1, 'n1'), enqueue(2, 'n2')];
    await clock.advance(WEBHOOK_GROUP.lingerMs - 1);
    first.push(enqueue(3, 'n3'));
    expect(await waiting()).toEqual([]);
    await clock.advance(1);
    await Promise.all(first);
    const second = enqueue(4, 'n4');
    await clock.advance(WEBHOOK_GROUP.lingerMs);
    await second;

    const jobs = (await waiting()).sort((a, b) => Number(a.id) - Number(b.id));
    expect(jobs.map((j) => [j.name, j.data])).toEqual([
      ['apply-group', { eventIds: [1, 2, 3] }],
      ['apply-group', { eventIds: [4] }],
    ]);
    await queues.webhooks.obliterate({ force: true });
  });

  it('an apply-group job applies its contact update and gives the company update a job of its own', async () => {
    const items = new WebhookItems(h.sandbox.store);
    const contact = [...h.sandbox.store.contacts.values()].find((c) => c.state === 'active')!;
    const company = [...h.sandbox.store.companies.values()][0]!;
    const companyUpdate = incomingEvent('company.updated', items.company(company));
    const stored = await storeWebhookEvents(h.rt.db, [
      incomingEvent(`contact.${contact.role}.updated`, { ...items.contact(contact), name: 'From A Group' }),
      companyUpdate,
    ]);
    const process = webhookProcessor(h.rt, queues.webhooks);

    const result = await process({
      name: 'apply-group',
      data: { eventIds: stored.map((s) => s.id) },
    } as unknown as Job<WebhooksQueueJob>);

    expect(result).toEqual({ applied: 1, duplicate: 0, alone: 1 });
    const jobs = await waiting();
    expect(jobs.map((j) => [j.id, j.name, j.data])).toEqual([
      [
        webhookJobId(stored[1]!.id),
        'apply',
        { eventId: stored[1]!.id, notificationId: companyUpdate.notificationId },
      ],
    ]);
    const row = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('name')
      .where('intercom_id', '=', contact.id)
      .executeTakeFirst();
    expect(row?.name).toBe('From A Group');
  });
});
