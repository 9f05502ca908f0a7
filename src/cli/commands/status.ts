import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('runs, watermarks, queues, outbox and conflicts at a glance')
    .option('--json', 'print one JSON document')
    .action(() => notAvailableYet('status', 'the inbound mirror issue'));
}
