// `intercom-pg-sync daemon`: the service. On SIGTERM/SIGINT it drains (/ready 503 for
// SHUTDOWN_DRAIN_MS), stops gracefully and exits 0; a second signal cuts the drain short.
import type { Command } from 'commander';
import { DEFAULT_GRACE_MS } from '../../app/grace-period.js';
import type { CommandContext } from '../command-context.js';
import { UserError } from '../user-error.js';

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
      const graceMs = Number(options.graceMs);
      if (!/^\d+$/.test(options.graceMs.trim()) || graceMs > 3_600_000)
        throw new UserError(
          `--grace-ms must be a whole number of milliseconds up to 3600000, not '${options.graceMs}'.`,
        );
      const log = context.logger(config, 'service');
      const { startDaemon } = await import('../../app/daemon.js');
      const daemon = await startDaemon({
        config,
        log,
        host: options.host,
        graceMs,
        schedule: options.schedule,
      });
      console.error(
        `intercom-pg-sync daemon listening on ${daemon.url} (webhooks at ${daemon.url}/webhooks/intercom)`,
      );
      await new Promise<void>((resolve) => {
        let signals = 0;
        const stop = (signal: string) => {
          signals += 1;
          if (signals > 1) {
            log.info({ signal }, 'second stop request: ending the drain now');
            void daemon.close({ drain: false });
            return;
          }
          log.info({ signal }, 'stop requested');
          daemon.close().then(resolve, (error: unknown) => {
            log.error({ err: error }, 'error while stopping');
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      });
    });
}
