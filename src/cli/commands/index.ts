// Every CLI command, one module each, in the order `--help` lists them (docs/design.md#cli).
// A module registers its options at start-up but imports the code it runs (the runtime, bullmq,
// fastify, the sync) only in its action: `--help`, a usage error or `migrate` then load a fraction
// of the service, which halves the start-up CPU of every CLI run.
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { registerMigrate } from './migrate.js';
import { registerDaemon } from './daemon.js';
import { registerSync } from './sync.js';
import { registerPush } from './push.js';
import { registerStatus } from './status.js';
import { registerVerify } from './verify.js';
import { registerConflicts } from './conflicts.js';
import { registerFailed } from './failed.js';
import { registerSandbox } from './sandbox.js';

export const commands: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  registerMigrate,
  registerDaemon,
  registerSync,
  registerPush,
  registerStatus,
  registerVerify,
  registerConflicts,
  registerFailed,
  registerSandbox,
];
