import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerConflicts(program: Command): void {
  const conflicts = program.command('conflicts').description('fields changed on both sides, and how they were settled');
  conflicts
    .command('list')
    .option('--json', 'print one JSON document')
    .action(() => notAvailableYet('conflicts list', 'the two-way issue'));
  conflicts
    .command('resolve <id>')
    .option('--take <side>', 'local or remote')
    .action(() => notAvailableYet('conflicts resolve', 'the two-way issue'));
}
