// The incremental sync against the sandbox's day-granular, lagging search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatermark } from '../../src/db/watermarks.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { runIncrementalSync } from '../../src/sync/incremental-sync.js';
import { dayStart } from '../../src/sync/partitions.js';
import { verifyMirror } from '../../src/sync/verify.js';
import { eventually } from '../support/eventually.js';
import { sandboxContacts, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
let offset = 0;
let ids: string[] = [];

/** Moves the sandbox clock to `seconds` past its current reading. */
async function advanceClock(seconds: number): Promise<void> {
  offset += seconds;
  await h.control('PATCH', '/settings', { clockOffsetSeconds: offset });
}

async function storedName(id: string): Promise<string | null> {
  const row = await h.rt.db
    .selectFrom('intercom.contacts')
    .select('name')
    .where('intercom_id', '=', id)
    .executeTakeFirstOrThrow();
  return row.name;
}

beforeAll(async () => {
  // The incremental sync re-reads 10 minutes behind its watermark (its search-lag lookback).
  h = await startSyncHarness({
    sandbox: { contacts: 400, companies: 20, seed: 9 },
    // The sandbox's clock is put hours ahead of this process's below, so its `updated_at` values
    // are not "in the future" only with a margin that covers the shift.
    settings: { searchLagSeconds: 600, futureSkewSeconds: 2 * 86_400 },
  });
  // Put the sandbox at 10:00 UTC today, so "same day" never straddles a midnight.
  const now = Math.floor(Date.now() / 1000);
  await advanceClock(dayStart(now) + 10 * 3600 - now);
  expect((await runFullSync(h.rt)).status).toBe('succeeded');
  ids = (await sandboxContacts(h)).filter((c) => c.state === 'active').map((c) => c.id);
});
afterAll(() => h?.close());

describe('the incremental sync', () => {
  it('picks up a change made later on the same day as its watermark', async () => {
    await h.control('PATCH', `/contacts/${ids[0]}`, { name: 'Morning edit' });
    const first = await runIncrementalSync(h.rt);
    expect(first.status).toBe('succeeded');
    expect(await storedName(ids[0]!)).toBe('Morning edit');
    const watermark = (await readWatermark(h.rt.db, 'contacts'))!;

    await advanceClock(90);
    await h.control('PATCH', `/contacts/${ids[1]}`, { name: 'Same-day edit' });
    const second = await runIncrementalSync(h.rt);
    expect(second.status).toBe('succeeded');
    expect(await storedName(ids[1]!)).toBe('Same-day edit');
    const moved = (await readWatermark(h.rt.db, 'contacts'))!;
    expect(dayStart(moved.getTime() / 1000)).toBe(dayStart(watermark.getTime() / 1000));
    // 90 s of sandbox clock, plus the real time the test took between the two edits.
    expect(moved.getTime() - watermark.getTime()).toBeGreaterThanOrEqual(90_000);
    expect(moved.getTime() - watermark.getTime()).toBeLessThan(100_000);
  });

  it('picks up a change that search shows late, even after a later change moved the watermark past it', async () => {
    await advanceClock(60);
    await h.control('PATCH', '/settings', { searchLagSeconds: 300 });
    await h.control('PATCH', `/contacts/${ids[2]}`, { name: 'Indexed late' });
    await h.control('PATCH', '/settings', { searchLagSeconds: 0 });
    await advanceClock(10);
    await h.control('PATCH', `/contacts/${ids[3]}`, { name: 'Indexed at once' });

    expect((await runIncrementalSync(h.rt)).status).toBe('succeeded');
    expect(await storedName(ids[3]!)).toBe('Indexed at once');
    expect(await storedName(ids[2]!)).not.toBe('Indexed late'); // not searchable yet

    await advanceClock(400); // search catches up
    // Without the lookback the late change would sit behind the watermark and be lost.
    const naive = await h.openAnother({ searchLagSeconds: 0 });
    await runIncrementalSync(naive);
    expect(await storedName(ids[2]!)).not.toBe('Indexed late');
    expect((await runIncrementalSync(h.rt)).status).toBe('succeeded');
    expect(await storedName(ids[2]!)).toBe('Indexed late');
  });

  it('moves the watermark only once every page is committed, so a stopped run loses nothing', async () => {
    const changed = ids.slice(10, 360);
    for (const [i, id] of changed.entries()) {
      if (i % 25 === 0) await advanceClock(1);
      await h.control('PATCH', `/contacts/${id}`, { name: `Batch edit ${i}` });
    }
    await h.control('PATCH', '/settings', { latencyMs: 150 });
    const before = (await readWatermark(h.rt.db, 'contacts'))!.getTime();
    const abort = new AbortController();
    const run = runIncrementalSync(h.rt, { signal: abort.signal }).catch((error: unknown) => ({
      status: 'threw',
      error,
    }));
    // Stop it as soon as its first page is committed (a page's detail calls take seconds at 150 ms).
    const committed = async () =>
      (
        await h.rt.db
          .selectFrom('intercom.contacts')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('name', 'like', 'Batch edit %')
          .executeTakeFirstOrThrow()
      ).n;
    await eventually(async () => Number(await committed()) > 0, 'the first page to be committed');
    abort.abort(new Error('stopped mid-run'));
    const stopped = await run;
    expect(stopped.status).not.toBe('succeeded');
    await h.control('PATCH', '/settings', { latencyMs: 0 });
    expect(Number(await committed())).toBeLessThan(changed.length); // it did stop early
    // Newest first, a committed page says nothing of the older changes still unread.
    expect((await readWatermark(h.rt.db, 'contacts'))!.getTime()).toBe(before);

    expect((await runIncrementalSync(h.rt)).status).toBe('succeeded');
    expect(Number(await committed())).toBe(changed.length);
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });

  it('reads only what changed since the watermark (less the lag), not the rest of its day', async () => {
    // A run an hour later puts everything the tests above changed today behind the watermark, lag
    // included; ten more contacts change an hour after that.
    await advanceClock(3_600);
    await h.control('PATCH', `/contacts/${ids[365]}`, { name: 'Hourly edit' });
    expect((await runIncrementalSync(h.rt)).status).toBe('succeeded');
    await advanceClock(3_600);
    const late = ids.slice(370, 380);
    for (const [i, id] of late.entries()) await h.control('PATCH', `/contacts/${id}`, { name: `Late edit ${i}` });
    const today = dayStart(Math.floor(Date.now() / 1000) + offset);
    const changedToday = (await sandboxContacts(h)).filter((c) => c.state === 'active' && c.updated_at >= today);
    expect(changedToday.length).toBeGreaterThan(350); // reading the whole day would take 3 pages or more

    await h.control('POST', '/stats/reset');
    const summary = await runIncrementalSync(h.rt);
    expect(summary.status).toBe('succeeded');
    const stats = await h.control<{ requests: number; byRoute: Record<string, Record<string, number>> }>(
      'GET',
      '/stats',
    );
    expect(Object.values(stats.byRoute['POST /contacts/search'] ?? {}).reduce((a, b) => a + b, 0)).toBe(1);
    expect(stats.requests).toBeLessThanOrEqual(3);
    for (const [i, id] of late.entries()) expect(await storedName(id)).toBe(`Late edit ${i}`);
  });
});
