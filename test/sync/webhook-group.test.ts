// A group of stored webhook events applied as one (the `apply-group` job the route hands off): its
// contact upserts are written together, and what is not a contact upsert, or does not map, is
// left to a job of its own, untouched; an event some job already finished stays as it ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishWebhookEvent, finishWebhookEvents } from '../../src/db/webhook-apply-state.js';
import { storeWebhookEvents } from '../../src/db/webhook-events.js';
import { WebhookItems } from '../../src/sandbox/webhook-items.js';
import { applyWebhookGroup } from '../../src/sync/webhook-batch.js';
import { incomingEvent } from '../support/incoming-event.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
let items: WebhookItems;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 6, companies: 2, seed: 21, tagTotalMismatchRate: 0 } });
  items = new WebhookItems(h.sandbox.store);
});
afterAll(() => h?.close());

const events = (ids: readonly number[]) =>
  h.rt.db
    .selectFrom('intercom_sync.webhook_events')
    .select(['id', 'status', 'attempts', 'applied_at'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();

const contactName = async (id: string) =>
  (
    await h.rt.db
      .selectFrom('intercom.contacts')
      .select('name')
      .where('intercom_id', '=', id)
      .executeTakeFirst()
  )?.name;

describe('applying a group of stored webhook events', () => {
  it('writes its contact updates together and leaves a company update and an unreadable contact to jobs of their own', async () => {
    const contacts = [...h.sandbox.store.contacts.values()].filter((c) => c.state === 'active').slice(0, 3);
    const company = [...h.sandbox.store.companies.values()][0]!;
    const updates = contacts.map((c, i) =>
      incomingEvent(`contact.${c.role}.updated`, { ...items.contact(c), name: `Grouped ${i}` }),
    );
    const companyUpdate = incomingEvent('company.updated', items.company(company));
    const robot = incomingEvent('contact.user.updated', {
      ...items.contact(contacts[0]!),
      id: 'c-robot',
      role: 'robot',
    });
    const stored = await storeWebhookEvents(h.rt.db, [...updates, companyUpdate, robot]);
    const ids = stored.map((s) => s.id);
    h.sandbox.stats.reset();

    const outcome = await applyWebhookGroup(h.rt, ids);

    expect(outcome).toMatchObject({ applied: 3, duplicate: 0, missing: [] });
    expect(outcome.alone).toEqual([
      { eventId: ids[3], notificationId: companyUpdate.notificationId },
      { eventId: ids[4], notificationId: robot.notificationId },
    ]);
    for (const [i, c] of contacts.entries()) expect(await contactName(c.id)).toBe(`Grouped ${i}`);
    expect((await events(ids)).map((e) => [e.status, e.attempts])).toEqual([
      ['applied', 1],
      ['applied', 1],
      ['applied', 1],
      ['received', 0],
      ['received', 0],
    ]);
    expect(await contactName('c-robot')).toBeUndefined();
    // Every delivery carried its record.
    expect(h.sandbox.stats.snapshot().requests).toBe(0);
  });

  it('leaves events some job already applied as they ended, and says which ids are not stored', async () => {
    const c = [...h.sandbox.store.contacts.values()].find((x) => x.state === 'active')!;
    const stored = await storeWebhookEvents(h.rt.db, [
      incomingEvent(`contact.${c.role}.updated`, { ...items.contact(c), name: 'Applied Once' }),
    ]);
    const ids = stored.map((s) => s.id);
    await applyWebhookGroup(h.rt, ids);
    const [first] = await events(ids);

    // The same group again (its job redelivered, or a sweeper's job took the event too).
    const again = await applyWebhookGroup(h.rt, [...ids, 999_999_999]);

    expect(again).toEqual({ applied: 0, duplicate: 1, alone: [], missing: [999_999_999] });
    expect(await events(ids)).toEqual([first]);
    // Two workers that both read it `received` and both finish it: the second finishes nothing.
    expect(await finishWebhookEvents(h.rt.db, ids, 'applied')).toEqual([]);
    expect(await finishWebhookEvent(h.rt.db, ids[0]!, 'failed', 'too late')).toEqual([]);
    expect(await events(ids)).toEqual([first]);
  });
});
