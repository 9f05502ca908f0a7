import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the intercom and intercom_sync schemas (safe to run concurrently)')
    .action(() => notAvailableYet('migrate', 'the foundation issue'));
}
