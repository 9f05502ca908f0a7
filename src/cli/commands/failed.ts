import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerFailed(program: Command): void {
  const failed = program.command('failed').description('jobs and outbox rows that failed for good');
  failed
    .command('list')
    .option('--json', 'print one JSON document')
    .action(() => notAvailableYet('failed list', 'the webhooks-and-daemon issue'));
  failed
    .command('retry [id]')
    .option('--all', 'retry every failed job')
    .action(() => notAvailableYet('failed retry', 'the webhooks-and-daemon issue'));
}
