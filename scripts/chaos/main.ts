// `npm run chaos`: bounded chaos rounds against the sandbox with a real Postgres and Redis
// (docs/chaos.md). Prints one summary table and exits 1 if any round lost, missed or duplicated
// anything, did not settle, or left `verify` unclean.
//
//   npm run chaos -- [--seed 1] [--runs 1] [--seconds 60] [--settle-seconds 60] [--contacts 300]
//                    [--fault-rate 0.15] [--fault-every 4] [--json] [--keep-database] [--pg-port N]
import { parseArgs } from 'node:util';
import { runChaos, type ChaosResult } from './run.js';
import { printSummary } from './summary.js';

const { values: flags } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '60' },
    'settle-seconds': { type: 'string', default: '60' },
    contacts: { type: 'string', default: '300' },
    'fault-rate': { type: 'string', default: '0.15' },
    'fault-every': { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
    'keep-database': { type: 'boolean', default: false },
    // The rounds' own Postgres cluster (restarted during the chaos); default a port the system picks.
    'pg-port': { type: 'string' },
  },
});

function number(name: string, min: number, max: number): number {
  const raw = flags[name as keyof typeof flags] as string;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`--${name} takes a number from ${min} to ${max}; got '${raw}'`);
  return value;
}

async function main(): Promise<number> {
  const first = number('seed', 0, 2 ** 31);
  const runs = number('runs', 1, 100);
  const results: ChaosResult[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await runChaos({
      seed: first + i,
      chaosSeconds: number('seconds', 5, 3_600),
      settleSeconds: number('settle-seconds', 5, 3_600),
      contacts: number('contacts', 20, 100_000),
      faultRate: number('fault-rate', 0, 0.9),
      faultEverySeconds: number('fault-every', 0.5, 600),
      localPerSecond: 6,
      remotePerSecond: 2,
      log: (line) => console.error(line),
      keepDatabase: flags['keep-database'],
      ...(flags['pg-port'] !== undefined && { postgresPort: number('pg-port', 1, 65_535) }),
    });
    results.push(result);
    console.error(`seed ${result.seed}: ${result.ok ? 'clean' : 'FAILED'} (logs in ${result.logDir})`);
  }
  if (flags.json) console.log(JSON.stringify(results));
  else printSummary(results);
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
