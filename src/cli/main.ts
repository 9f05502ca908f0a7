// The `intercom-pg-sync` command line: parses arguments and hands each command to its module.
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { commands } from './commands/index.js';
import { UserError } from './user-error.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { packageVersion } from './package-version.js';

// Called by its old name (the `intercom-sync` bin, bin/intercom-sync.js), it answers to that name.
const name =
  basename(process.argv[1] ?? '', '.js') === 'intercom-sync' ? 'intercom-sync' : 'intercom-pg-sync';

const program = new Command(name)
  .description('Keep a PostgreSQL database and an Intercom workspace in step, both ways.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('--verbose', 'print stack traces with errors')
  .showHelpAfterError()
  .exitOverride();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    const known =
      error instanceof UserError || error instanceof ConfigError || error instanceof DatabaseUnavailableError;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${name}: ${message}`);
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    else if (!known) console.error('(run with --verbose for details)');
    process.exitCode = error instanceof UserError ? error.exitCode : 1;
  }
}
