// /metrics tells an operator how far behind each stream is, so an alert on lag means something.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { Daemon } from '../../src/app/daemon.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { ShiftedClock } from '../support/shifted-clock.js';

let h: DaemonHarness;
let daemon: Daemon;
// The daemon's "now" for the lag figures: the test makes an hour pass instead of waiting.
const clock = new ShiftedClock();
beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: 60, companies: 10, seed: 31 } });
  daemon = await h.startDaemon({ sampleEveryMs: 200, clock });
});
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
    clock.shift(3_600_000);
    const later = await eventually(async () => {
      const figure = lag(await (await fetch(`${daemon.url}/metrics`)).text(), 'contacts');
      return figure !== undefined && figure >= 3_600 && figure;
    }, 'the next sample to count the hour that passed');
    expect(later).toBeGreaterThanOrEqual(first + 3_600);
    expect(later).toBeLessThan(first + 3_600 + 30);
    expect(lag(await (await fetch(`${daemon.url}/metrics`)).text(), 'companies')).toBeDefined();
  });
});
