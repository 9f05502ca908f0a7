// `intercom-pg-sync sync full|incremental`: runs the same code as the daemon's sync jobs, in this
// process, with progress on the terminal and a summary (or one JSON document) at the end.
import type { Command } from 'commander';
import type { Runtime } from '../../app/runtime.js';
import { FULL_SYNC_STREAMS, type FullSyncStream } from '../../sync/full-sync-streams.js';
import type { CommandContext } from '../command-context.js';
import { progressLine } from '../progress.js';
import { printStreams } from '../sync-summary.js';
import { UserError } from '../user-error.js';

function parseStreams(value: string | undefined): FullSyncStream[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(FULL_SYNC_STREAMS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new UserError(`--only takes ${FULL_SYNC_STREAMS.join(', ')} (comma-separated); got '${value}'.`);
  }
  return names as FullSyncStream[];
}

async function withSyncRuntime<T>(
  context: CommandContext,
  json: boolean,
  fn: (rt: Runtime) => Promise<T>,
): Promise<T> {
  const config = context.config(['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
  // Logs go to stderr, and only warnings unless asked: stdout carries the summary (or the JSON).
  const log = context.logger(config, json ? 'json-command' : 'command');
  const { withRuntime } = await import('../../app/runtime.js');
  return withRuntime(config, { log, name: 'intercom-pg-sync cli' }, fn);
}

export function registerSync(program: Command, context: CommandContext): void {
  const sync = program.command('sync').description('read Intercom into Postgres now');
  sync
    .command('full')
    .description('full pass over every stream; records not seen are marked deleted')
    .option('--only <streams>', `comma-separated: ${FULL_SYNC_STREAMS.join(', ')}`)
    .option('--json', 'print the summary as one JSON document')
    .action(async (options: { only?: string; json?: boolean }) => {
      const only = parseStreams(options.only);
      const json = Boolean(options.json);
      const { runFullSync, SyncAlreadyRunningError } = await import('../../sync/full-sync.js');
      await withSyncRuntime(context, json, async (rt) => {
        const progress = json ? undefined : progressLine(process.stderr);
        try {
          const summary = await runFullSync(rt, {
            ...(only && { only }),
            trigger: 'cli',
            ...(progress && { onProgress: (p) => progress.update(p.stream, p.done, p.total) }),
          });
          progress?.stop();
          if (json) console.log(JSON.stringify(summary));
          else {
            console.log(
              `full sync run ${summary.runId}${summary.resumed ? ' (resumed)' : ''}: ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)} s`,
            );
            printStreams(summary.streams);
          }
          if (summary.status !== 'succeeded') process.exitCode = 1;
        } catch (error) {
          progress?.stop();
          if (error instanceof SyncAlreadyRunningError)
            throw new UserError(`${error.message}; try again when it has finished.`);
          throw error;
        }
      });
    });
  sync
    .command('incremental')
    .description('contacts changed since the watermark')
    .option('--json', 'print the summary as one JSON document')
    .action(async (options: { json?: boolean }) => {
      const json = Boolean(options.json);
      const { runIncrementalSync } = await import('../../sync/incremental-sync.js');
      await withSyncRuntime(context, json, async (rt) => {
        const summary = await runIncrementalSync(rt, { trigger: 'cli' });
        if (json) console.log(JSON.stringify(summary));
        else {
          console.log(
            `incremental sync run ${summary.runId}: ${summary.status}; changes since ${summary.since ?? 'the beginning'}, watermark now ${summary.watermark ?? 'unset'}`,
          );
          printStreams(summary.streams);
        }
        if (summary.status !== 'succeeded') process.exitCode = 1;
      });
    });
}
