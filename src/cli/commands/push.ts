// `intercom-sync push`: drain the outbox once, in this process, with the daemon's own push code.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { drainOutbox } from '../../sync/push/drain.js';
import { openRuntime } from '../runtime.js';

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('drain the outbox of local changes to Intercom once')
    .option('--json', 'print the summary as one JSON document')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig(process.env, ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
      const level = process.env.LOG_LEVEL ?? (options.json ? 'error' : 'warn');
      const rt = await openRuntime(config, {
        log: createLogger({ level }, process.stderr),
        name: 'intercom-sync push',
      });
      try {
        const summary = await drainOutbox(rt, { concurrency: config.PUSH_CONCURRENCY });
        if (options.json) console.log(JSON.stringify(summary));
        else {
          console.log(
            `${summary.records} record(s) with local changes: ${summary.pushed} pushed, ${summary.superseded} had nothing left to send, ` +
              `${summary.failed} failed (see \`intercom-sync failed list\`), ${summary.retry} to retry`,
          );
        }
        if (summary.failed > 0 || summary.retry > 0) process.exitCode = 1;
      } finally {
        await rt.close();
      }
    });
}
