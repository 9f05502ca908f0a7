// The partitions read over HTTP, on a workspace where a bulk import created 60 % of the contacts on
// one day: together they return every contact exactly once, and no partition holds the whole day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPartitions, readContactPartitions } from '../../src/sync/contacts-reader.js';
import { sandboxContacts, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({
    sandbox: { contacts: 1500, companies: 10, seed: 3, importDayShare: 0.6 },
    settings: { contactPartitions: 10, contactConcurrency: 8 },
  });
});
afterAll(() => h?.close());

async function readAll(onPage?: () => Promise<void>) {
  const partitions = await planPartitions(h.rt);
  const byPartition = new Map<string, string[]>();
  await readContactPartitions(h.rt, partitions, new Map(), async (partition, page) => {
    const ids = byPartition.get(partition.key) ?? [];
    ids.push(...page.items.map((c) => c.id));
    byPartition.set(partition.key, ids);
    await onPage?.();
  });
  const lists = [...byPartition.values()];
  return { partitions, ids: lists.flat(), used: byPartition.size, sizes: lists.map((l) => l.length) };
}

describe('contact partitions against the sandbox', () => {
  it('return every active contact exactly once, across many partitions read in parallel', async () => {
    const expected = (await sandboxContacts(h))
      .filter((c) => c.state === 'active')
      .map((c) => c.id)
      .sort();
    const { partitions, ids, used, sizes } = await readAll();
    expect(partitions.length).toBeGreaterThanOrEqual(10);
    expect(partitions.filter((p) => p.suffix !== null).length).toBeGreaterThanOrEqual(5); // the import day, split by id
    expect(used).toBeGreaterThan(8); // the contacts really were spread over partitions
    expect(Math.max(...sizes)).toBeLessThanOrEqual(250); // a share is 150; the import day alone holds ~900
    expect(ids.length).toBe(expected.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(expected);
  });

  it('still return each contact once while contacts are being edited between pages', async () => {
    const contacts = (await sandboxContacts(h)).filter((c) => c.state === 'active');
    let edits = 0;
    const { ids } = await readAll(async () => {
      // Edits move updated_at, never created_at, so no contact jumps between partitions or pages.
      const target = contacts[(edits * 37) % contacts.length]!;
      edits++;
      await h.control('PATCH', `/contacts/${target.id}`, { name: `Edited ${edits}` });
    });
    expect(edits).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(contacts.map((c) => c.id).sort());
  });
});
