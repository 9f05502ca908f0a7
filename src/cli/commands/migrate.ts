// `intercom-sync migrate`: create or upgrade the schemas, then say where the database stands.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { describeDatabaseError } from '../../db/errors.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the intercom and intercom_sync schemas (safe to run concurrently)')
    .action(async () => {
      const config = loadConfig(process.env, ['DATABASE_URL']);
      const db = createDatabase({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'intercom-sync migrate' });
      try {
        const { applied, current } = await migrateToLatest(db).catch((error: unknown) => {
          throw describeDatabaseError(error, config.DATABASE_URL);
        });
        console.log(
          applied.length > 0
            ? `applied ${applied.length} migration(s): ${applied.join(', ')}; schema is at ${current}`
            : `schema is up to date (${current})`,
        );
      } finally {
        await db.destroy();
      }
    });
}
