// `intercom-pg-sync failed list [--json]` and `failed retry [id] [--all] [--dry-run] [--json]`: what failed for good
// (BullMQ's failed jobs of every queue, webhook events parked as failed), and putting it back to work.
import type { Command } from 'commander';
import type { FailedItem, FailedSource } from '../../workers/failed-jobs.js';
import type { CommandContext } from '../command-context.js';
import { wholeNumber } from '../number-options.js';
import { UserError } from '../user-error.js';

export function registerFailed(program: Command, context: CommandContext): void {
  const failed = program.command('failed').description('jobs and webhook events that failed for good');
  failed
    .command('list')
    .description('failed jobs of every queue and webhook events parked as failed, newest first')
    .option('--json', 'print one JSON document')
    .option('--limit <n>', 'at most this many', wholeNumber(1), 200)
    .action(async (options: { json?: boolean; limit: number }) => {
      const { listFailed } = await import('../../workers/failed-jobs.js');
      await withSources(context, async (sources) => {
        const items = await listFailed(sources, { limit: options.limit });
        if (options.json) console.log(JSON.stringify({ failed: items }));
        else printItems(items);
      });
    });
  failed
    .command('retry [id]')
    .description('put one failed item (an id from `failed list`) or, with --all, every one back to work')
    .option('--all', 'retry everything `failed list` shows')
    .option('--dry-run', 'show what would be retried, and retry nothing')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, options: { all?: boolean; dryRun?: boolean; json?: boolean }) => {
      if (!id && !options.all)
        throw new UserError('say which item to retry (an id from `intercom-pg-sync failed list`), or --all.');
      if (id && options.all) throw new UserError('give either an id or --all, not both.');
      const print = (retried: readonly string[], wouldBe: boolean) => {
        if (options.json) return console.log(JSON.stringify({ dryRun: wouldBe, retried }));
        if (retried.length === 0) return console.log('nothing to retry');
        if (id && !wouldBe) return console.log(`retried ${id}`);
        console.log(
          `${wouldBe ? 'dry run: would retry' : 'retried'} ${retried.length}: ${retried.join(', ')}`,
        );
      };
      const { listFailed, retryAllFailed, retryFailed, UnknownFailedIdError } =
        await import('../../workers/failed-jobs.js');
      await withSources(context, async (sources) => {
        if (options.dryRun) {
          const items = await listFailed(sources, { limit: 100_000 });
          if (id && !items.some((item) => item.id === id)) throw notFailed(id, sources);
          return print(id ? [id] : items.map((item) => item.id), true);
        }
        if (options.all) return print(await retryAllFailed(sources), false);
        try {
          if (!(await retryFailed(sources, id!))) throw notFailed(id!, sources);
        } catch (error) {
          if (error instanceof UnknownFailedIdError) throw new UserError(error.message);
          throw error;
        }
        print([id!], false);
      });
    });
}

/** An id that names nothing failed: a malformed one says what ids look like. */
function notFailed(id: string, sources: readonly FailedSource[]): UserError {
  if (!sources.some((s) => id.startsWith(`${s.prefix}/`)))
    return new UserError(
      `'${id}' is not a failed-item id (they look like ${sources.map((s) => `${s.prefix}/…`).join(', ')}).`,
    );
  return new UserError(`${id} is not failed (any more); see \`intercom-pg-sync failed list\`.`);
}

async function withSources(
  context: CommandContext,
  run: (sources: FailedSource[]) => Promise<void>,
): Promise<void> {
  const config = context.config(['DATABASE_URL', 'REDIS_URL']);
  const [{ withDatabase }, { withQueues }, { failedSources }] = await Promise.all([
    import('../../app/database.js'),
    import('../../app/queues.js'),
    import('../../workers/failed-jobs.js'),
  ]);
  await withQueues(config, (queues) =>
    withDatabase(config, { name: 'intercom-pg-sync failed' }, (db) =>
      run(failedSources({ db, queues: queues.all })),
    ),
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
  console.log(
    `${items.length} failed; retry one with \`intercom-pg-sync failed retry <id>\`, or all with --all`,
  );
}
