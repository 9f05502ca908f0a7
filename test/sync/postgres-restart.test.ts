// A Postgres restart in the middle of work (docs/resilience.md#postgres-restarts): a statement
// issued while the server is down runs once it is back, and a full sync the restart cuts goes on
// from its checkpoints and succeeds. On a Postgres cluster of the test's own: the shared test
// server is never restarted.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import { eventually } from '../support/eventually.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { sandboxContacts, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let server: OwnPostgres;
let h: SyncHarness;
beforeAll(async () => {
  server = await startOwnPostgres();
  h = await startSyncHarness({
    database: await server.createMigratedDatabase('restart'),
    // Twelve one-page partitions read two at a time, each page 20 ms away: a pass long enough to
    // restart the server in the middle of.
    sandbox: { contacts: 600, companies: 30, seed: 5, latencyMs: 20 },
    settings: { contactPartitions: 12, contactConcurrency: 2 },
  });
});
afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('a Postgres restart', () => {
  it('holds a statement issued while the server is down until it is back', async () => {
    await sql`select 1`.execute(h.rt.db);
    await server.stop();
    const issued = sql<{ one: number }>`select 1 as one`.execute(h.rt.db).then(
      (result) => result.rows,
      (error: unknown) => error,
    );
    await server.start();
    expect(await issued).toEqual([{ one: 1 }]);
  });

  it('cuts a full sync mid-pass, which goes on from its checkpoints and succeeds', async () => {
    const running = runFullSync(h.rt);
    running.catch(() => undefined); // awaited below, after the restart
    // Mid-pass: some contact partitions written and checkpointed, not all.
    const partitionsDone = async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from intercom_sync.checkpoints
          where stream = 'contacts' and done`.execute(h.rt.db)
      ).rows[0]!.n;
    const before = await eventually(
      async () => {
        const n = await partitionsDone();
        return n > 0 && n;
      },
      'a contact partition to be checkpointed',
      60_000,
    );
    await server.stop();
    await server.start();

    const summary = await running;
    expect(before).toBeLessThan(12);
    expect(summary.status, summary.error).toBe('succeeded');
    const active = (await sandboxContacts(h)).filter((c) => c.state === 'active').length;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from intercom.contacts
      where deleted_at is null`.execute(h.rt.db);
    expect(rows[0]!.n).toBe(active);
  });
});
