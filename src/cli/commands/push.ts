import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('drain the outbox of local changes to Intercom once')
    .action(() => notAvailableYet('push', 'the two-way issue'));
}
