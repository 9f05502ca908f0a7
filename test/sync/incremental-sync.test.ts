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

  it('never moves the watermark past rows it has not committed, so a stopped run loses nothing', async () => {
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
    await eventually(
      async () => (await readWatermark(h.rt.db, 'contacts'))!.getTime() > before,
      'the watermark to move',
    );
    abort.abort(new Error('stopped mid-run'));
    const stopped = await run;
    expect(stopped.status).not.toBe('succeeded');
    await h.control('PATCH', '/settings', { latencyMs: 0 });

    const watermark = (await readWatermark(h.rt.db, 'contacts'))!;
    const sandbox = await sandboxContacts(h);
    const rows = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['intercom_id', 'updated_at'])
      .execute();
    const stored = new Map(rows.map((r) => [r.intercom_id, r.updated_at?.getTime()]));
    const behind = sandbox.filter((c) => c.state === 'active' && c.updated_at * 1000 <= watermark.getTime());
    const uncommitted = behind.filter(
      (c) => stored.get(c.id) !== c.updated_at * 1000 && c.updated_at * 1000 < watermark.getTime(),
    );
    expect(uncommitted.map((c) => c.id)).toEqual([]);
    expect(changed.filter((id) => stored.get(id)! > before).length).toBeLessThan(changed.length); // it did stop early

    expect((await runIncrementalSync(h.rt)).status).toBe('succeeded');
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });
});
