// The plain table `npm run chaos` ends with: one column per round, one row per figure.
import type { ChaosResult } from './run.js';

type Row = readonly [label: string, value: (r: ChaosResult) => string | number];

const ROWS: readonly Row[] = [
  ['local edits made (incl. creates)', (r) => r.verdict.localEdits],
  ['  bursts of 3 on one field', (r) => r.verdict.bursts],
  ['  creates (leads and users)', (r) => r.verdict.creates],
  ['local edits lost', (r) => r.verdict.localLost],
  ['remote edits made', (r) => r.verdict.remoteEdits],
  ['remote edits missing', (r) => r.verdict.remoteMissing],
  [
    'both-sides fields / wrong / skipped',
    (r) => `${r.verdict.bothSides} / ${r.verdict.bothSidesWrong} / ${r.verdict.bothSkipped}`,
  ],
  ['duplicate contacts in Intercom', (r) => Math.max(r.verdict.duplicates, r.verdict.extraContacts)],
  ['changes left failed', (r) => r.verdict.failedChanges],
  ['changes left pending', (r) => r.verdict.pendingChanges],
  ['records parked', (r) => r.verdict.parkedRecords],
  ['open conflicts', (r) => r.verdict.openConflicts],
  [
    'verify',
    (r) =>
      r.verify.clean ? 'clean' : `NOT clean (${r.verify.differences} diffs, ${r.verify.duplicates} dup)`,
  ],
  ['full syncs run / killed / resumed', (r) => `${r.syncs.runs} / ${r.syncs.killed} / ${r.syncs.resumed}`],
  [
    'runs: succeeded / crashed / running',
    (r) =>
      `${r.verdict.runs.succeeded ?? 0} / ${r.verdict.runs.crashed ?? 0} / ${r.verdict.runs.running ?? 0}`,
  ],
  ['runs: cancelled / failed', (r) => `${r.verdict.runs.cancelled ?? 0} / ${r.verdict.runs.failed ?? 0}`],
  [
    'daemon kills (mid-push of kills+flushes)',
    (r) => `${r.faults.done['kill-daemon']} (${r.faults.midPush})`,
  ],
  [
    'Redis flushes / Postgres cuts / restarts',
    (r) =>
      `${r.faults.done['flush-redis']} / ${r.faults.done.postgres} / ${r.faults.done['restart-postgres']}`,
  ],
  ['settled in', (r) => (r.settled ? `${(r.settleMs / 1000).toFixed(1)} s` : 'NO')],
  ['result', (r) => (r.ok ? 'clean' : 'FAILED')],
];

/** @example printSummary(results); */
export function printSummary(results: readonly ChaosResult[]): void {
  const width = Math.max(...ROWS.map(([label]) => label.length)) + 2;
  const cells = (values: readonly (string | number)[]) => values.map((v) => String(v).padStart(12)).join(' ');
  console.log(`${'seed'.padEnd(width)}${cells(results.map((r) => r.seed))}`);
  for (const [label, value] of ROWS) console.log(`${label.padEnd(width)}${cells(results.map(value))}`);
  const clean = results.filter((r) => r.ok).length;
  console.log(`\n${clean} of ${results.length} rounds clean`);
}
