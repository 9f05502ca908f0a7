// Who may reach the daemon's operator surfaces, from the config as the daemon command reads it:
// /dashboard only with DASHBOARD_PASSWORD (never "any loopback client"), read-only unless
// DASHBOARD_ALLOW_WRITES, a client that keeps guessing locked out; /metrics behind METRICS_TOKEN
// or on METRICS_PORT alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { ManualClock } from '../support/manual-clock.js';

const PASSWORD = 'open-sesame-42';
let h: DaemonHarness;
beforeAll(async () => {
  h = await startDaemonHarness({ env: { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: PASSWORD } });
}, 60_000);
afterAll(() => h?.close());

const basic = (credentials: string) => ({
  authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
});

const dashboard = (
  daemon: Daemon,
  path = '',
  init: Omit<RequestInit, 'credentials'> & { login?: string } = {},
) => {
  const { login, ...rest } = init;
  return fetch(`${daemon.url}/dashboard${path}`, {
    ...rest,
    headers: { ...(login ? basic(login) : {}), ...(rest.headers as Record<string, string>) },
  });
};

describe('/dashboard', () => {
  it('without DASHBOARD_PASSWORD is not served at all, not even to this machine, and says how to turn it on', async () => {
    const daemon = await h.startDaemon({ env: { DASHBOARD_PASSWORD: '' } });
    const response = await dashboard(daemon);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'the dashboard is off: set DASHBOARD_PASSWORD to serve it',
    });
    expect((await dashboard(daemon, '/api/queues')).status).toBe(404);
    await daemon.close();
  });

  it('with DASHBOARD_PASSWORD, answers only DASHBOARD_USER with exactly that password', async () => {
    const daemon = await h.startDaemon();
    const anonymous = await dashboard(daemon);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="intercom-pg-sync"/);
    for (const wrong of [
      `admin:${PASSWORD}`,
      'ops:wrong',
      `ops:${PASSWORD}x`,
      `ops:${PASSWORD.slice(0, -1)}`,
      'ops:',
    ]) {
      expect((await dashboard(daemon, '', { login: wrong })).status, wrong).toBe(401);
    }
    const ok = await dashboard(daemon, '', { login: `ops:${PASSWORD}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<html/i);
    await daemon.close();
  });

  it('is read-only by default: a write is refused and changes nothing; DASHBOARD_ALLOW_WRITES=true allows it', async () => {
    const readOnly = await h.startDaemon();
    const login = `ops:${PASSWORD}`;
    const pause = (daemon: Daemon) => dashboard(daemon, '/api/queues/sync/pause', { method: 'PUT', login });
    const add = (daemon: Daemon) =>
      dashboard(daemon, '/api/queues/sync/add', {
        method: 'POST',
        login,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'full', data: { trigger: 'manual' } }),
      });
    const refused = await pause(readOnly);
    expect(refused.status).toBe(405);
    expect(await refused.json()).toEqual({
      error: 'the dashboard is read-only; set DASHBOARD_ALLOW_WRITES=true to change jobs and queues from it',
    });
    expect((await add(readOnly)).status).toBe(405);
    expect(await readOnly.queues.sync.isPaused()).toBe(false);
    expect(await readOnly.queues.sync.count()).toBe(0);
    // Reading still works.
    const listed = await dashboard(readOnly, '/api/queues', { login });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toMatch(/"readOnlyMode":true/);
    // An unauthenticated write is a 401, not a 405: nothing about the board is told before the login.
    expect((await dashboard(readOnly, '/api/queues/sync/pause', { method: 'PUT' })).status).toBe(401);
    await readOnly.close();

    const writable = await h.startDaemon({ env: { DASHBOARD_ALLOW_WRITES: 'true' } });
    expect((await pause(writable)).status).toBe(200);
    expect(await writable.queues.sync.isPaused()).toBe(true);
    await writable.queues.sync.resume();
    await writable.close();
  });

  it('locks a client out after DASHBOARD_MAX_FAILED_LOGINS wrong passwords, even with the right one, until the window passes', async () => {
    const clock = new ManualClock({ startMs: Date.now() });
    const daemon = await h.startDaemon({
      clock,
      env: { DASHBOARD_MAX_FAILED_LOGINS: '3', DASHBOARD_LOCKOUT_MINUTES: '2' },
    });
    for (let i = 0; i < 3; i++)
      expect((await dashboard(daemon, '', { login: `ops:guess${i}` })).status).toBe(401);
    const locked = await dashboard(daemon, '', { login: `ops:${PASSWORD}` });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('120');
    expect(await locked.json()).toEqual({
      error: 'too many wrong passwords from this address; try again in 120 s',
    });

    await clock.advance(119_000);
    expect((await dashboard(daemon, '', { login: `ops:${PASSWORD}` })).status).toBe(429);
    await clock.advance(1_000);
    expect((await dashboard(daemon, '', { login: `ops:${PASSWORD}` })).status).toBe(200);
    await daemon.close();
  });
});

describe('/metrics', () => {
  const TOKEN = 'scrape-token-0123456789';

  it('with METRICS_TOKEN, answers only a request bearing that token', async () => {
    const daemon = await h.startDaemon({ env: { METRICS_TOKEN: TOKEN } });
    const get = (authorization?: string) =>
      fetch(`${daemon.url}/metrics`, { headers: authorization ? { authorization } : {} });
    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: 'this endpoint needs Authorization: Bearer <METRICS_TOKEN>',
    });
    expect((await get(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await get(basic(`ops:${TOKEN}`).authorization)).status).toBe(401);
    const ok = await get(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
    await daemon.close();
  });

  it('with METRICS_PORT, is served on that port only, not on PORT', async () => {
    const daemon = await h.startDaemon({ env: { METRICS_PORT: '0' } });
    expect(daemon.metricsUrl).toBeDefined();
    expect(daemon.metricsUrl).not.toBe(daemon.url);
    expect((await fetch(`${daemon.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(`${daemon.metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^# HELP /m);
    // Nothing else is on the metrics port.
    expect((await fetch(`${daemon.metricsUrl}/health`)).status).toBe(404);
    await daemon.close();
  });
});
