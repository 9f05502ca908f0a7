// A run whose process was killed does not stay `running` forever: the next run (or daemon) marks
// it crashed once its heartbeat is stale, leaves live runs alone, and a crashed full run is
// still resumed from its checkpoints.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/db/runs.js';
import { FULL_SYNC_STREAMS, runFullSync } from '../../src/sync/full-sync.js';
import { runIncrementalSync } from '../../src/sync/incremental-sync.js';
import { ShiftedClock } from '../support/shifted-clock.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 30, companies: 5, seed: 3 } });
});
afterAll(() => h?.close());

async function run(id: number) {
  const result = await sql<{ status: string; error: string | null; finished_at: Date | null }>`
    select status, error, finished_at from intercom_sync.runs where id = ${id}`.execute(h.rt.db);
  return result.rows[0]!;
}

describe('runs left behind by a killed process', () => {
  it('are marked crashed by the next run once their heartbeat is stale; a live one is left running', async () => {
    const killed = await startRun(h.rt.db, { kind: 'incremental', trigger: 'schedule' });
    // A run started just now is alive as far as anyone can tell.
    const first = await runIncrementalSync(h.rt);
    expect(first.status).toBe('succeeded');
    expect((await run(killed)).status).toBe('running');

    // Three minutes later (RUN_STALE_SECONDS is 120) nobody has renewed its heartbeat.
    const clock = new ShiftedClock();
    clock.shift(3 * 60_000);
    const later = await runIncrementalSync({ ...h.rt, clock });
    expect(later.status).toBe('succeeded');
    expect(await run(killed)).toEqual({
      status: 'crashed',
      error: expect.stringMatching(/^the process running it stopped: no heartbeat since \d{4}-\d\d-\d\dT/),
      finished_at: null,
    });
    // The runs that finished are not touched.
    expect((await run(later.runId)).status).toBe('succeeded');
    expect((await run(first.runId)).status).toBe('succeeded');
  });

  it('a crashed full run is resumed by the next full sync and finishes', async () => {
    const killed = await startRun(h.rt.db, {
      kind: 'full',
      trigger: 'cron',
      options: { streams: [...FULL_SYNC_STREAMS] },
    });
    await sql`insert into intercom_sync.run_streams (run_id, stream) values (${killed}, 'contacts')`.execute(
      h.rt.db,
    );
    const clock = new ShiftedClock();
    clock.shift(3 * 60_000);
    const summary = await runFullSync({ ...h.rt, clock });
    expect(summary).toMatchObject({ runId: killed, resumed: true, status: 'succeeded' });
    expect(await run(killed)).toMatchObject({ status: 'succeeded', error: null });
    expect((await run(killed)).finished_at).not.toBeNull();
  });
});
