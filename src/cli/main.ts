// The `intercom-pg-sync` command line: parses arguments and hands each command to its module.
// Exit status: 0 done (nothing wrong found), 1 ran and found a problem (verify saw differences, a
// push or a sync left failures), 2 could not run (usage error, bad input, a setting, an outage).
import { basename } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ServiceError } from '../errors.js';
import { LOG_FORMATS, type LogFormat } from '../observability/logger.js';
import { commandContext } from './command-context.js';
import { commands } from './commands/index.js';
import { COULD_NOT_RUN } from './exit-codes.js';
import { packageVersion } from './package-version.js';

// Called by its old name (the `intercom-sync` bin, bin/intercom-sync.js), it answers to that name.
const name =
  basename(process.argv[1] ?? '', '.js') === 'intercom-sync' ? 'intercom-sync' : 'intercom-pg-sync';

const program = new Command(name)
  .description('Keep a PostgreSQL database and an Intercom workspace in step, both ways.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('--verbose', 'print stack traces with errors')
  .addOption(
    new Option(
      '--log-format <format>',
      'logs as readable lines (text) or JSON lines (json); default text for a command on a terminal, else json',
    ).choices(LOG_FORMATS),
  )
  .showHelpAfterError()
  .exitOverride();

// The one read of the environment: every command takes its settings from this context.
const context = commandContext(process.env, () => program.opts<{ logFormat?: LogFormat }>().logFormat);
for (const register of commands) register(program, context);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end this way too, with 0; every other one is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : COULD_NOT_RUN;
  } else {
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${name}: ${message}`);
    // A ServiceError's message is the sentence to act on; anything else may be a bug: offer the stack.
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    else if (!(error instanceof ServiceError)) console.error('(run with --verbose for details)');
    process.exitCode = COULD_NOT_RUN;
  }
}
