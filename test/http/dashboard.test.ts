// The dashboard's access comes from the config (DASHBOARD_USER, DASHBOARD_PASSWORD), as the daemon
// command reads it: behind basic auth with a password, loopback clients only without one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';

let h: DaemonHarness;
beforeAll(async () => {
  h = await startDaemonHarness({ env: { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'open-sesame' } });
}, 60_000);
afterAll(() => h?.close());

const get = (daemon: Daemon, credentials?: string) =>
  fetch(`${daemon.url}/dashboard`, {
    headers: credentials ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } : {},
  });

describe('/dashboard', () => {
  it('with DASHBOARD_PASSWORD set, answers only DASHBOARD_USER with that password', async () => {
    const daemon = await h.startDaemon();
    expect((await get(daemon)).status).toBe(401);
    expect((await get(daemon, 'admin:open-sesame')).status).toBe(401);
    expect((await get(daemon, 'ops:wrong')).status).toBe(401);
    const ok = await get(daemon, 'ops:open-sesame');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<html/i);
  });

  it('with DASHBOARD_PASSWORD empty, opens to this machine without credentials', async () => {
    const daemon = await h.startDaemon({ env: { DASHBOARD_PASSWORD: '' } });
    expect((await get(daemon)).status).toBe(200);
  });
});
