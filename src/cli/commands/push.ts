// `intercom-sync push`: drain the outbox once, in this process, with the daemon's own push code.
import type { Command } from 'commander';
import { withRuntime } from '../../app/runtime.js';
import { drainOutbox } from '../../sync/push/drain.js';
import type { CommandContext } from '../command-context.js';

export function registerPush(program: Command, context: CommandContext): void {
  program
    .command('push')
    .description('drain the outbox of local changes to Intercom once')
    .option('--json', 'print the summary as one JSON document')
    .action(async (options: { json?: boolean }) => {
      const config = context.config(['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
      const log = context.logger(config, options.json ? 'json-command' : 'command');
      await withRuntime(config, { log, name: 'intercom-sync push' }, async (rt) => {
        const summary = await drainOutbox(rt, { concurrency: config.PUSH_CONCURRENCY });
        if (options.json) console.log(JSON.stringify(summary));
        else {
          console.log(
            `${summary.records} record(s) with local changes: ${summary.pushed} pushed, ${summary.superseded} had nothing left to send, ` +
              `${summary.failed} failed (see \`intercom-sync failed list\`), ${summary.retry} to retry`,
          );
        }
        if (summary.failed > 0 || summary.retry > 0) process.exitCode = 1;
      });
    });
}
