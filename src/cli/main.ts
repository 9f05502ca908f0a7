// The `intercom-pg-sync` command line: parses arguments and hands each command to its module.
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ServiceError } from '../errors.js';
import { commandContext } from './command-context.js';
import { commands } from './commands/index.js';
import { UserError } from './user-error.js';
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

// The one read of the environment: every command takes its settings from this context.
const context = commandContext(process.env);
for (const register of commands) register(program, context);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${name}: ${message}`);
    // A ServiceError's message is the sentence to act on; anything else may be a bug: offer the stack.
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    else if (!(error instanceof ServiceError)) console.error('(run with --verbose for details)');
    process.exitCode = error instanceof UserError ? error.exitCode : 1;
  }
}
