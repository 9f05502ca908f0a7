import type { Command } from 'commander';
import { notAvailableYet } from '../user-error.js';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run the bundled Intercom simulator (for demos and tests)')
    .action(() => notAvailableYet('sandbox', 'the sandbox issue'));
}
