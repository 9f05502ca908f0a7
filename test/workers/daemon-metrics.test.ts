// /metrics tells an operator how far behind each stream is, so an alert on lag means something.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { Daemon } from '../../src/workers/daemon.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';

let h: DaemonHarness;
let daemon: Daemon;
beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: 60, companies: 10, seed: 31 } });
  daemon = await h.startDaemon({ sampleEveryMs: 200 });
}, 60_000);
afterAll(() => h?.close());

const lag = (text: string, stream: string) => {
  const match = new RegExp(`^intercom_sync_lag_seconds\\{stream="${stream}"\\} ([0-9.e+-]+)$`, 'm').exec(
    text,
  );
  return match ? Number(match[1]) : undefined;
};

describe('/metrics', () => {
  it('reports each stream’s seconds since its last success, and the figure grows while nothing runs', async () => {
    const summary = await runFullSync(daemon.runtime);
    expect(summary.status).toBe('succeeded');
    const first = await eventually(
      async () => lag(await (await fetch(`${daemon.url}/metrics`)).text(), 'contacts'),
      'a contacts lag figure',
    );
    expect(first).toBeLessThan(30);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const later = lag(await (await fetch(`${daemon.url}/metrics`)).text(), 'contacts');
    expect(later).toBeGreaterThan(first);
    expect(lag(await (await fetch(`${daemon.url}/metrics`)).text(), 'companies')).toBeDefined();
  });
});
