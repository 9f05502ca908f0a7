// `intercom-pg-sync conflicts list|resolve [--json]`: the decisions taken when both sides changed a field or
// Intercom reported a duplicate, and re-deciding one (the chosen value is written as a local edit
// and pushed like any other).
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { UserError } from '../user-error.js';

export function registerConflicts(program: Command, context: CommandContext): void {
  const conflicts = program
    .command('conflicts')
    .description('fields changed on both sides, and how they were settled');
  conflicts
    .command('list')
    .description('the latest conflicts (open ones wait for you)')
    .option('--open', 'only those waiting for a decision')
    .option('--json', 'print one JSON document')
    .action(async (options: { open?: boolean; json?: boolean }) => {
      const config = context.config(['DATABASE_URL']);
      const use = { name: 'intercom-pg-sync conflicts', poolSize: 1 };
      const [{ withDatabase }, { listConflicts }] = await Promise.all([
        import('../../app/database.js'),
        import('../../db/conflicts.js'),
      ]);
      const rows = await withDatabase(config, use, (db) =>
        listConflicts(db, { openOnly: Boolean(options.open) }),
      );
      if (options.json) return console.log(JSON.stringify({ conflicts: rows }));
      if (rows.length === 0) return console.log('no conflicts');
      for (const c of rows) {
        const what =
          c.kind === 'field'
            ? `${c.field}: local ${show(c.local_value)} vs Intercom ${show(c.remote_value)}`
            : String((c.detail as { message?: string } | null)?.message ?? 'API conflict');
        console.log(
          `#${c.id} ${c.status.padEnd(8)} ${c.entity} row ${c.row_id} (${c.intercom_id ?? 'not in Intercom'}) ${what}` +
            (c.decision ? ` → ${c.decision}${c.policy ? ` by ${c.policy}` : ''}` : ''),
        );
      }
    });
  conflicts
    .command('resolve <id>')
    .description('decide a conflict again: the chosen value is written locally and pushed')
    .requiredOption('--take <side>', 'local or remote')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { take: string; json?: boolean }) => {
      const side = options.take;
      if (side !== 'local' && side !== 'remote') throw new UserError("--take must be 'local' or 'remote'.");
      const missing = `there is no conflict #${id} (see \`intercom-pg-sync conflicts list\`).`;
      if (!/^\d+$/.test(id)) throw new UserError(missing);
      const config = context.config(['DATABASE_URL']);
      const use = { name: 'intercom-pg-sync conflicts', poolSize: 1 };
      const [{ withDatabase }, { resolveConflict }] = await Promise.all([
        import('../../app/database.js'),
        import('../../sync/push/resolve-conflict.js'),
      ]);
      const conflict = await withDatabase(config, use, (db) => resolveConflict(db, Number(id), side));
      if (!conflict) throw new UserError(missing);
      if (options.json) return console.log(JSON.stringify({ conflict, taken: side }));
      console.log(
        `conflict #${conflict.id} resolved: ${side} value taken` +
          (conflict.kind === 'field' ? '; it will be pushed to Intercom' : ''),
      );
    });
}

function show(value: unknown): string {
  return value === null || value === undefined ? 'null' : JSON.stringify(value);
}
