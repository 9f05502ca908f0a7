// `intercom-pg-sync migrate [--dry-run] [--json]`: create or upgrade the schemas, then say where the
// database stands; with --dry-run, say which migrations would run and change nothing.
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the intercom and intercom_sync schemas (safe to run concurrently)')
    .option('--dry-run', 'list the migrations that would be applied, and apply none')
    .option('--json', 'print one JSON document')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      const config = context.config(['DATABASE_URL']);
      const use = { name: 'intercom-pg-sync migrate' };
      const [{ withDatabase }, { migrateToLatest, migrationStatus }] = await Promise.all([
        import('../../app/database.js'),
        import('../../db/migrate.js'),
      ]);
      if (options.dryRun) {
        const { applied, pending } = await withDatabase(config, use, migrationStatus);
        const current = applied.at(-1) ?? null;
        if (options.json) return console.log(JSON.stringify({ dryRun: true, pending, current }));
        return console.log(
          pending.length > 0
            ? `dry run: would apply ${pending.length} migration(s): ${pending.join(', ')}; schema is at ${current ?? 'nothing yet'}`
            : `dry run: schema is up to date (${current}); nothing to apply`,
        );
      }
      const { applied, current } = await withDatabase(config, use, migrateToLatest);
      if (options.json) return console.log(JSON.stringify({ applied, current: current ?? null }));
      console.log(
        applied.length > 0
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}; schema is at ${current}`
          : `schema is up to date (${current})`,
      );
    });
}
