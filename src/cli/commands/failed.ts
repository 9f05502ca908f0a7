// `intercom-pg-sync failed list [--json]` and `failed retry [id] [--all]`: what failed for good
// (BullMQ's failed jobs of every queue, webhook events parked as failed), and putting it back to work.
import type { Command } from 'commander';
import { withDatabase } from '../../app/database.js';
import { withQueues } from '../../app/queues.js';
import {
  failedSources,
  listFailed,
  retryAllFailed,
  retryFailed,
  UnknownFailedIdError,
  type FailedItem,
  type FailedSource,
} from '../../workers/failed-jobs.js';
import type { CommandContext } from '../command-context.js';
import { UserError } from '../user-error.js';

export function registerFailed(program: Command, context: CommandContext): void {
  const failed = program.command('failed').description('jobs and webhook events that failed for good');
  failed
    .command('list')
    .description('failed jobs of every queue and webhook events parked as failed, newest first')
    .option('--json', 'print one JSON document')
    .option('--limit <n>', 'at most this many', '200')
    .action(async (options: { json?: boolean; limit: string }) => {
      await withSources(context, async (sources) => {
        const items = await listFailed(sources, { limit: Math.max(1, Number(options.limit) || 200) });
        if (options.json) console.log(JSON.stringify({ failed: items }));
        else printItems(items);
      });
    });
  failed
    .command('retry [id]')
    .description('put one failed item (an id from `failed list`) or, with --all, every one back to work')
    .option('--all', 'retry everything `failed list` shows')
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      if (!id && !options.all) throw new UserError('say which item to retry (an id from `intercom-pg-sync failed list`), or --all.');
      if (id && options.all) throw new UserError('give either an id or --all, not both.');
      await withSources(context, async (sources) => {
        if (options.all) {
          const retried = await retryAllFailed(sources);
          console.log(retried.length === 0 ? 'nothing to retry' : `retried ${retried.length}: ${retried.join(', ')}`);
          return;
        }
        try {
          if (!(await retryFailed(sources, id!)))
            throw new UserError(`${id} is not failed (any more); see \`intercom-pg-sync failed list\`.`);
        } catch (error) {
          if (error instanceof UnknownFailedIdError) throw new UserError(error.message);
          throw error;
        }
        console.log(`retried ${id}`);
      });
    });
}

async function withSources(context: CommandContext, run: (sources: FailedSource[]) => Promise<void>): Promise<void> {
  const config = context.config(['DATABASE_URL', 'REDIS_URL']);
  await withQueues(config, (queues) =>
    withDatabase(config, { name: 'intercom-pg-sync failed' }, (db) => run(failedSources({ db, queues: queues.all }))),
  );
}

function printItems(items: readonly FailedItem[]): void {
  if (items.length === 0) {
    console.log('nothing has failed');
    return;
  }
  for (const item of items) {
    const tries = `${item.attemptsMade} attempt${item.attemptsMade === 1 ? '' : 's'}`;
    console.log(`${item.id}  ${item.name}  ${tries}  ${item.timestamp ?? ''}`);
    console.log(`    ${item.failedReason ?? '(no reason recorded)'}`);
  }
  console.log(`${items.length} failed; retry one with \`intercom-pg-sync failed retry <id>\`, or all with --all`);
}
