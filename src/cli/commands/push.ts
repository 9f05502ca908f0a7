// `intercom-pg-sync push`: drain the outbox once, in this process, with the daemon's own push code;
// with --dry-run, say what it would send, record by record and field by field, and send nothing.
import type { Command } from 'commander';
import type { RecordPreview } from '../../sync/push/preview.js';
import type { CommandContext } from '../command-context.js';
import { FOUND_A_PROBLEM } from '../exit-codes.js';

export function registerPush(program: Command, context: CommandContext): void {
  program
    .command('push')
    .description('drain the outbox of local changes to Intercom once')
    .option('--dry-run', 'show what would be sent, field by field, and send nothing')
    .option('--json', 'print the summary as one JSON document')
    .action(async (options: { json?: boolean; dryRun?: boolean }) => {
      if (options.dryRun) {
        // Needs Postgres only: no Redis, no token, so nothing can reach Intercom.
        const config = context.config(['DATABASE_URL']);
        const use = { name: 'intercom-pg-sync push --dry-run', poolSize: 2 };
        const [{ withDatabase }, { pushSettings }, { previewPush }] = await Promise.all([
          import('../../app/database.js'),
          import('../../app/settings.js'),
          import('../../sync/push/preview.js'),
        ]);
        const records = await withDatabase(config, use, (db) => previewPush(db, pushSettings(config)));
        if (options.json) console.log(JSON.stringify({ dryRun: true, records }));
        else printPreview(records);
        return;
      }
      const config = context.config(['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
      const log = context.logger(config, options.json ? 'json-command' : 'command');
      const [{ withRuntime }, { drainOutbox }] = await Promise.all([
        import('../../app/runtime.js'),
        import('../../sync/push/drain.js'),
      ]);
      await withRuntime(config, { log, name: 'intercom-pg-sync push' }, async (rt) => {
        const summary = await drainOutbox(rt, { concurrency: config.PUSH_CONCURRENCY });
        if (options.json) console.log(JSON.stringify(summary));
        else {
          console.log(
            `${summary.records} record(s) with local changes: ${summary.pushed} pushed, ${summary.superseded} had nothing left to send, ` +
              `${summary.failed} failed (see \`intercom-pg-sync failed list\`), ${summary.retry} to retry`,
          );
        }
        if (summary.failed > 0 || summary.retry > 0) process.exitCode = FOUND_A_PROBLEM;
      });
    });
}

const show = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value === undefined ? 'null' : JSON.stringify(value);

function printPreview(records: readonly RecordPreview[]): void {
  if (records.length === 0)
    return console.log('dry run: no local changes are waiting; nothing would be sent');
  for (const r of records) {
    const where = r.intercomId ? `Intercom ${r.intercomId}` : 'not in Intercom yet';
    console.log(`${r.entity} ${r.rowId} (${where}): ${r.action}, from ${r.changes} local change(s)`);
    for (const f of r.fields)
      console.log(
        r.action === 'update'
          ? `    ${f.field}: ${show(f.intercom)} → ${show(f.postgres)}`
          : `    ${f.field}: ${show(f.postgres)}`,
      );
    for (const c of r.conflicts)
      console.log(
        `    ${c.field}: changed on both sides (Postgres ${show(c.local)}, Intercom ${show(c.remote)}); ${c.policy} takes ${c.decision === 'local' ? 'Postgres' : 'Intercom'}`,
      );
  }
  console.log(`dry run: ${records.length} record(s) would be pushed; nothing was sent`);
}
