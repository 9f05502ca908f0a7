// `intercom-pg-sync migrate`: create or upgrade the schemas, then say where the database stands.
import type { Command } from 'commander';
import { withDatabase } from '../../app/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { CommandContext } from '../command-context.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the intercom and intercom_sync schemas (safe to run concurrently)')
    .action(async () => {
      const config = context.config(['DATABASE_URL']);
      const { applied, current } = await withDatabase(config, { name: 'intercom-pg-sync migrate' }, migrateToLatest);
      console.log(
        applied.length > 0
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}; schema is at ${current}`
          : `schema is up to date (${current})`,
      );
    });
}
