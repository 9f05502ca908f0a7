// A full sync killed mid-run (the process dies) is resumed from its partition checkpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runFullSync, SyncAlreadyRunningError } from '../../src/sync/full-sync.js';
import { workspaceKey } from '../../src/sync/context.js';
import { verifyMirror } from '../../src/sync/verify.js';
import { spawnCli } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({
    sandbox: { contacts: 1500, companies: 30, seed: 4 },
    settings: { contactPartitions: 8, contactConcurrency: 2 },
  });
});
afterAll(() => h?.close());

interface Stats {
  byRoute: Record<string, Record<string, number>>;
}
const searches = async () =>
  Object.values((await h.control<Stats>('GET', '/stats')).byRoute['POST /contacts/search'] ?? {}).reduce(
    (a, b) => a + b,
    0,
  );

async function checkpointed(): Promise<{ fetched: number; done: number; partitions: number }> {
  const result = await sql<{ fetched: number; done: number; partitions: number }>`
    select coalesce(sum(fetched), 0)::int as fetched, count(*) filter (where done)::int as done, count(*)::int as partitions
    from intercom_sync.checkpoints where stream = 'contacts'`.execute(h.rt.db);
  return result.rows[0]!;
}

describe('a full sync killed mid-run', () => {
  it('resumes from its checkpoints: the next run says so, reads fewer pages, and ends equal to Intercom', async () => {
    // Slow enough that the run is still reading contacts when the first 450 are saved.
    await h.control('PATCH', '/settings', { latencyMs: 60 });
    const cli = spawnCli(['sync', 'full', '--json'], h.env);
    try {
      await eventually(
        async () => (await checkpointed()).fetched >= 450,
        'the first 450 contacts to be saved',
        60_000,
      );
      // Hold every further request, so how far the run gets does not depend on how soon this test
      // looks again: only pages already in flight can still land before the kill.
      await h.control('PATCH', '/settings', { latencyMs: 5_000 });
    } finally {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    const at = await checkpointed();
    expect(at.fetched).toBeGreaterThanOrEqual(450);
    expect(at.fetched).toBeLessThan(1500);

    // The dead process's lease blocks a new run until it lapses (60 s); let it lapse now.
    await expect(runFullSync(h.rt)).rejects.toBeInstanceOf(SyncAlreadyRunningError);
    await h.rt.redis.del(workspaceKey(h.rt, 'full-sync-lock'), workspaceKey(h.rt, 'scroll-lock'));
    // Its companies scroll, if it had one open, would idle out a minute later (Intercom's rule).
    await h.control('POST', '/scroll/reset');

    await h.control('PATCH', '/settings', { latencyMs: 0 });
    await h.control('POST', '/stats/reset');
    const resumed = await runFullSync(h.rt);
    expect(resumed.status, resumed.error).toBe('succeeded');
    expect(resumed.resumed).toBe(true);
    const resumedSearches = await searches();
    const contacts = resumed.streams.find((s) => s.stream === 'contacts')!;
    expect(contacts.fetched).toBeLessThanOrEqual(1500 - at.fetched + 150 * 8); // at most one page re-read per partition
    expect((await verifyMirror(h.rt)).differences).toEqual([]);

    await h.control('POST', '/stats/reset');
    const fresh = await runFullSync(h.rt);
    expect(fresh.resumed).toBe(false);
    expect(resumedSearches).toBeLessThan(await searches());
  });
});

describe('a full sync stopped through its abort signal (shutdown)', () => {
  it('stops, marks nothing deleted, and is resumed by the next run', async () => {
    await h.rt.db.deleteFrom('intercom_sync.checkpoints').execute();
    await h.control('PATCH', '/settings', { latencyMs: 50 });
    const deleted = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from intercom.contacts where deleted_at is not null`.execute(h.rt.db)
      ).rows[0]!.n;
    const deletedBefore = await deleted();
    const abort = new AbortController();
    const stopped = runFullSync(h.rt, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.stream === 'contacts' && p.done >= 300) abort.abort(new Error('shutting down'));
      },
    });
    await expect(stopped).rejects.toThrow('shutting down');
    expect(await deleted()).toBe(deletedBefore);
    const saved = await checkpointed();
    expect(saved.fetched).toBeGreaterThanOrEqual(300);

    await h.control('PATCH', '/settings', { latencyMs: 0 });
    const resumed = await runFullSync(h.rt);
    expect(resumed.status, resumed.error).toBe('succeeded');
    expect(resumed.resumed).toBe(true);
    expect(resumed.streams.find((s) => s.stream === 'contacts')!.fetched).toBeLessThan(1500);
    expect((await verifyMirror(h.rt)).differences).toEqual([]);
  });
});
