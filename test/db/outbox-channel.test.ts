// The outbox LISTEN connection comes back after Postgres drops it, however many attempts that
// takes: each failed attempt is logged, the status says so, and the waits grow on the clock.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listenToOutbox,
  OUTBOX_CHANNEL,
  type ChangedRecord,
  type OutboxChannelStatus,
} from '../../src/db/outbox-channel.js';
import { createLogger } from '../../src/observability/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/services.js';
import { eventually } from '../support/eventually.js';

let target: TestDatabase;
let admin: pg.Client;
beforeAll(async () => {
  target = await createTestDatabase('outbox_channel');
  admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
});
afterAll(async () => {
  await admin.query(`alter database "${target.name}" allow_connections true`);
  await admin.end();
  await target.drop();
});

/** Ends the listener's connection from the server side, as a Postgres restart would. */
async function dropListener(): Promise<void> {
  await admin.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
     where datname = $1 and application_name = 'intercom-pg-sync outbox listener'`,
    [target.name],
  );
}

describe('the outbox listener connection', () => {
  it('keeps reconnecting with growing waits until Postgres takes it again, and says so meanwhile', async () => {
    const lines: Array<{ msg: string; attempt?: number; retryInMs?: number }> = [];
    const log = createLogger(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    const clock = new ManualClock();
    const changes: ChangedRecord[] = [];
    const statuses: OutboxChannelStatus[] = [];
    const channel = await listenToOutbox({
      url: target.url,
      log,
      clock,
      retryMs: 1_000,
      maxRetryMs: 4_000,
      onChange: (record) => changes.push(record),
      onStatus: (status) => statuses.push(status),
    });
    try {
      expect(channel.status().connected).toBe(true);
      // New connections are refused (even a superuser's) while the old one is dropped.
      await admin.query(`alter database "${target.name}" allow_connections false`);
      await dropListener();
      await eventually(async () => channel.status().connected === false, 'the listener to notice the loss');
      for (const attempt of [1, 2, 3]) {
        await clock.untilSleeping(1);
        await clock.advance(clock.nextWakeAt()! - clock.now());
        await eventually(
          async () => channel.status().failedAttempts === attempt,
          `failed attempt ${attempt}`,
        );
      }
      expect(channel.status()).toMatchObject({ connected: false, failedAttempts: 3 });
      expect(channel.status().lastError).toMatch(/not currently accepting connections/);
      const retries = lines.filter((l) => l.msg.startsWith('outbox listener cannot reconnect'));
      expect(retries.map((l) => [l.attempt, l.retryInMs])).toEqual([
        [1, 2_000],
        [2, 4_000],
        [3, 4_000],
      ]);

      await admin.query(`alter database "${target.name}" allow_connections true`);
      await clock.untilSleeping(1);
      await clock.advance(4_000);
      await eventually(async () => channel.status().connected, 'the listener to reconnect');
      expect(lines.some((l) => l.msg === 'outbox listener reconnected')).toBe(true);
      expect(statuses.at(-1)).toEqual({ connected: true, failedAttempts: 0, lastError: null });

      // And it listens again.
      const notifier = new pg.Client({ connectionString: target.url });
      await notifier.connect();
      await notifier.query(`select pg_notify('${OUTBOX_CHANNEL}', 'contact:42')`);
      await notifier.end();
      await eventually(
        async () => changes.some((c) => c.rowId === 42),
        'the notification after reconnecting',
      );
    } finally {
      await channel.close();
    }
    // Closed: nothing left sleeping on the clock.
    expect(clock.sleeping).toBe(0);
  });
});
