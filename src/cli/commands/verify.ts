import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('compare Postgres with Intercom and list every difference (exit 1 when they differ)')
    .option('--json', 'print one JSON document')
    .action(() => notAvailableYet('verify', 'the inbound mirror issue'));
}
