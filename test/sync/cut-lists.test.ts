// Lists that never agree (issue 11 item 3): a contact whose embedded tags total_count disagrees for
// good with what /contacts/{id}/tags lists (live: 14 vs 11) is read whole once per change of what
// it embeds, then trusted — not re-read on every pass.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveContacts } from '../../src/sync/contact-pages.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 8, companies: 1, seed: 4 } });
});
afterAll(() => h?.close());

const tagListReads = () =>
  Object.values(h.sandbox.stats.snapshot().byRoute['GET /contacts/:id/tags'] ?? {}).reduce(
    (a, b) => a + b,
    0,
  );

it('reads a list whose total never agrees once, trusts it after, and reads it again when the embed changes', async () => {
  const c = [...h.sandbox.store.contacts.values()].find(
    (x) => x.state === 'active' && x.tagIds.length > 0 && x.tagIds.length < 5,
  )!;
  await h.control('POST', `/contacts/${c.id}/tag-total`, { extra: 3 });
  const pass = async () => saveContacts(h.rt, [await h.rt.intercom.contacts.get(c.id, { lane: 'inbound' })]);
  const linked = async () =>
    (
      await h.rt.db
        .selectFrom('intercom.contact_tags as l')
        .innerJoin('intercom.contacts as c', 'c.id', 'l.contact_id')
        .innerJoin('intercom.tags as t', 't.id', 'l.tag_id')
        .select('t.intercom_id')
        .where('c.intercom_id', '=', c.id)
        .execute()
    )
      .map((r) => r.intercom_id)
      .sort();

  h.sandbox.stats.reset();
  await pass();
  expect(tagListReads()).toBe(1);
  expect(await linked()).toEqual([...c.tagIds].sort());

  // The embedded total still says 3 more than the list holds: nothing new to read, three passes on.
  for (let i = 0; i < 3; i++) await pass();
  expect(tagListReads()).toBe(1);

  // A tag put on changes what the contact embeds: read whole once more, and trusted again.
  const extra = [...h.sandbox.store.tags.keys()].find((t) => !c.tagIds.includes(t))!;
  await h.control('POST', `/contacts/${c.id}/tags`, { id: extra });
  await pass();
  await pass();
  expect(tagListReads()).toBe(2);
  expect(await linked()).toEqual([...c.tagIds, extra].sort());
});
