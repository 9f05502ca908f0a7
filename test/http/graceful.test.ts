// The daemon's HTTP server as a load balancer and a slow client meet it, over real sockets: a
// request trickled in is cut off at its timeout; the server answers probes ("starting", and what
// it waits for) before migrations run; on a stop /ready answers 503 for SHUTDOWN_DRAIN_MS while
// requests are still served, then the listener closes (the drain on an injected clock).
import { connect } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { createDatabase } from '../../src/db/database.js';
import { MIGRATION_LOCK_KEY } from '../../src/db/migrate.js';
import { spawnCli } from '../support/cli.js';
import {
  deliver,
  eventually,
  notification,
  startDaemonHarness,
  type DaemonHarness,
} from '../support/daemon-harness.js';
import { ManualClock } from '../support/manual-clock.js';

let h: DaemonHarness;
beforeAll(async () => {
  h = await startDaemonHarness();
}, 60_000);
afterAll(() => h?.close());

const json = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as Record<string, unknown>,
});

/**
 * Opens a socket, writes `head`, then one more byte of `trickle` every 50 ms until the server
 * answers or hangs up; resolves with what the server sent.
 */
function trickle(url: string, head: string, trickled: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < trickled.length && !socket.destroyed) socket.write(trickled[sent++]!);
    }, 50);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    });
  });
}

describe('slow clients', () => {
  let daemon: Daemon;
  beforeAll(async () => {
    daemon = await h.startDaemon({
      env: { HTTP_SERVER_HEADERS_TIMEOUT_MS: '300', HTTP_SERVER_REQUEST_TIMEOUT_MS: '600' },
    });
  });
  afterAll(() => daemon?.close());

  it('a body trickled in byte by byte does not hold the connection: 408 at the request timeout, then closed', async () => {
    const head =
      'POST /webhooks/intercom HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const answer = await trickle(daemon.url, head, '{'.repeat(100_000));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('headers trickled in are cut off at the headers timeout', async () => {
    const answer = await trickle(daemon.url, 'GET /health HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(10_000));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);
});

describe('start-up', () => {
  it('answers /health and /ready ("starting", naming what it waits for) before migrations run', async () => {
    // Hold the migration lock, as another pod migrating would.
    const holder = createDatabase({ url: h.database.url, poolSize: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
      locked();
      await released;
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    });
    await lockTaken;

    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const starting = h.startDaemon({ onListening: listening });
    try {
      const base = await url;
      const waitingFor = 'the database migrations (another process may be running them)';
      await eventually(
        async () => (await json(await fetch(`${base}/ready`))).body.waitingFor === waitingFor,
        'the daemon to wait on the migration lock',
      );
      expect(await json(await fetch(`${base}/ready`))).toEqual({
        status: 503,
        body: { ready: false, status: 'starting', waitingFor },
      });
      expect(await json(await fetch(`${base}/health`))).toEqual({
        status: 200,
        body: { status: 'starting' },
      });
      // Webhooks wait for a daemon that can store them: 503, which Intercom retries.
      const early = await deliver({ url: base }, notification('ping', { type: 'ping' }));
      expect(early).toEqual({ status: 503, body: { error: `starting: waiting for ${waitingFor}` } });
    } finally {
      release();
      await holding;
      await holder.destroy();
    }
    const daemon = await starting;
    expect(await json(await fetch(`${daemon.url}/ready`))).toEqual({
      status: 200,
      body: { ready: true, checks: { postgres: true, redis: true } },
    });
    expect(await json(await fetch(`${daemon.url}/health`))).toEqual({ status: 200, body: { status: 'ok' } });
    await daemon.close();
  });
});

describe('stopping', () => {
  it('keeps serving with /ready at 503 for SHUTDOWN_DRAIN_MS, then closes the listener', async () => {
    const clock = new ManualClock({ startMs: Date.now() });
    const daemon = await h.startDaemon({ clock, env: { SHUTDOWN_DRAIN_MS: '15000' } });
    const closed = daemon.close();
    expect(await json(await fetch(`${daemon.url}/ready`))).toEqual({
      status: 503,
      body: { ready: false, status: 'draining', reason: 'shutting down' },
    });
    const health = await fetch(`${daemon.url}/health`);
    expect(await health.json()).toEqual({ status: 'draining' });
    // Still taking webhooks, but telling each client to reconnect (to a daemon that is staying).
    const late = await fetch(`${daemon.url}/webhooks/intercom`, { method: 'HEAD' });
    expect(late.status).toBe(200);
    expect(late.headers.get('connection')).toBe('close');

    await clock.untilSleeping(1);
    await clock.advance(14_999);
    expect((await fetch(`${daemon.url}/ready`)).status).toBe(503);
    await clock.advance(1);
    await closed;
    await expect(fetch(`${daemon.url}/health`)).rejects.toThrow();
  });

  it('a second stop cuts the drain short', async () => {
    const clock = new ManualClock({ startMs: Date.now() });
    const daemon = await h.startDaemon({ clock, env: { SHUTDOWN_DRAIN_MS: '600000' } });
    const closed = daemon.close();
    await clock.untilSleeping(1);
    expect((await fetch(`${daemon.url}/ready`)).status).toBe(503);
    await daemon.close({ drain: false });
    await closed;
    await expect(fetch(`${daemon.url}/health`)).rejects.toThrow();
  });

  it('the process: SIGTERM turns /ready to 503 while /health still answers; a second SIGTERM ends the drain and it exits 0', async () => {
    const cli = spawnCli(['daemon', '--host', '127.0.0.1', '--no-schedule'], {
      ...h.env,
      SHUTDOWN_DRAIN_MS: '600000',
    });
    try {
      const url = await eventually(
        async () => /daemon listening on (http:\/\/\S+)/.exec(cli.output.stderr)?.[1],
        'the daemon to listen',
        60_000,
      );
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      cli.child.kill('SIGTERM');
      await eventually(async () => (await fetch(`${url}/ready`)).status === 503, '/ready to turn 503');
      expect((await fetch(`${url}/health`)).status).toBe(200);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});
