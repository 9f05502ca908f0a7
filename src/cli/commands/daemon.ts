import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run workers, schedules and the HTTP server (webhooks, health, metrics, dashboard)')
    .action(() => notAvailableYet('daemon', 'the webhooks-and-daemon issue'));
}
