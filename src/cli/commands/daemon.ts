// `intercom-sync daemon`: the service. Stops gracefully on SIGTERM/SIGINT and exits 0.
import type { Command } from 'commander';
import { DEFAULT_GRACE_MS, startDaemon } from '../../app/daemon.js';
import type { CommandContext } from '../command-context.js';

export function registerDaemon(program: Command, context: CommandContext): void {
  program
    .command('daemon')
    .description('run workers, schedules and the HTTP server (webhooks, health, metrics, dashboard)')
    .option('--host <host>', 'address the HTTP server listens on', '0.0.0.0')
    .option('--grace-ms <ms>', 'how long running jobs may finish after SIGTERM', String(DEFAULT_GRACE_MS))
    .option('--no-schedule', 'do not run the nightly/incremental schedules (workers and webhooks only)')
    .action(async (options: { host: string; graceMs: string; schedule: boolean }) => {
      const config = context.config([
        'DATABASE_URL',
        'REDIS_URL',
        'INTERCOM_TOKEN',
        'INTERCOM_CLIENT_SECRET',
      ]);
      const log = context.logger(config, 'service');
      const daemon = await startDaemon({
        config,
        log,
        host: options.host,
        graceMs: Number(options.graceMs),
        schedule: options.schedule,
      });
      console.error(
        `intercom-pg-sync daemon listening on ${daemon.url} (webhooks at ${daemon.url}/webhooks/intercom)`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'stop requested');
          daemon.close().then(resolve, (error: unknown) => {
            log.error({ err: error }, 'error while stopping');
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
