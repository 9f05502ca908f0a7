// A short seeded chaos round (scripts/chaos, docs/chaos.md) in the test command: two daemons and a
// full sync killed with SIGKILL, Redis flushed, Postgres connections cut and the round's own
// Postgres restarted, API faults and lost answers, duplicated and reordered webhooks, while both
// sides write. Once settled (on state), the
// oracle must find nothing lost, missing or duplicated, and `verify` clean.
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/run.js';

describe('a small chaos round', () => {
  // A hang detector, not a time limit: it spawns five CLI processes, and a loaded machine is slow.
  it('loses, misses and duplicates nothing, and ends with verify clean', { timeout: 180_000 }, async () => {
    const result = await runChaos({
      seed: 7,
      chaosSeconds: 12,
      settleSeconds: 30,
      contacts: 60,
      faultRate: 0.15,
      faultEverySeconds: 2,
      localPerSecond: 6,
      remotePerSecond: 2,
      log: (line) => console.error(line),
      inProcessSandbox: true,
    });
    const { verdict } = result;
    // The round did what it is for: edits on both sides, creates, and faults of every kind.
    expect(verdict.localEdits).toBeGreaterThan(20);
    expect(verdict.creates).toBeGreaterThan(0);
    expect(verdict.remoteEdits).toBeGreaterThan(5);
    expect(result.faults.done['kill-daemon'] + result.faults.done['flush-redis']).toBeGreaterThan(0);
    expect(result.faults.done['restart-postgres']).toBeGreaterThan(0);
    expect(result.settled).toBe(true);
    expect({
      lost: verdict.localLost,
      missing: verdict.remoteMissing,
      bothSidesWrong: verdict.bothSidesWrong,
      duplicates: Math.max(verdict.duplicates, verdict.extraContacts),
      failed: verdict.failedChanges,
      openConflicts: verdict.openConflicts,
      verify: result.verify.clean,
      details: verdict.details,
    }).toEqual({
      lost: 0,
      missing: 0,
      bothSidesWrong: 0,
      duplicates: 0,
      failed: 0,
      openConflicts: 0,
      verify: true,
      details: [],
    });
  });
});
