import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerSync(program: Command): void {
  const sync = program.command('sync').description('read Intercom into Postgres now');
  sync
    .command('full')
    .description('full pass over every stream; records not seen are marked deleted')
    .option('--only <streams>', 'comma-separated: companies, contacts, tags, segments, notes')
    .option('--json', 'print the summary as one JSON document')
    .action(() => notAvailableYet('sync full', 'the inbound mirror issue'));
  sync
    .command('incremental')
    .description('contacts changed since the watermark')
    .option('--json', 'print the summary as one JSON document')
    .action(() => notAvailableYet('sync incremental', 'the inbound mirror issue'));
}
