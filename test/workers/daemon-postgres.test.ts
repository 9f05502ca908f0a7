// A daemon whose Postgres restarts (docs/resilience.md#postgres-restarts), on a cluster of the
// test's own (the shared test server is never restarted): readiness says so at once, however long
// the daemon's statements wait for the server to come back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';

let server: OwnPostgres;
let h: DaemonHarness;
let daemon: Daemon;

beforeAll(async () => {
  server = await startOwnPostgres();
  const database = await server.createMigratedDatabase('daemon');
  h = await startDaemonHarness({ env: { DATABASE_URL: database.url } });
  daemon = await h.startDaemon({});
});
afterAll(async () => {
  await h?.close();
  await server?.close();
});

async function ready(): Promise<{ status: number; body: unknown }> {
  // A probe gives up after a few seconds; an answer that never comes is a failed probe too.
  const response = await fetch(`${daemon.url}/ready`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json() };
}

describe('a daemon whose Postgres restarts', () => {
  it('/ready answers 503 naming postgres while the server is down, and 200 once it is back', async () => {
    expect(await ready()).toEqual({
      status: 200,
      body: { ready: true, checks: { postgres: true, redis: true } },
    });
    await server.stop();
    expect(await ready()).toEqual({
      status: 503,
      body: { ready: false, checks: { postgres: false, redis: true } },
    });
    await server.start();
    await eventually(async () => (await ready()).status === 200, '/ready to turn 200 again', 15_000);
  });
});
