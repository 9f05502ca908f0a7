// A Postgres connection for a command that needs nothing else, with connection failures told as
// one sentence naming the database (DatabaseUnavailableError).
import type { Kysely } from 'kysely';
import type { ConfigWith } from '../config/config.js';
import { createDatabase, type Database } from '../db/database.js';
import { describeDatabaseError } from '../db/errors.js';

export interface DatabaseUse {
  /** application_name of the connections, e.g. `intercom-pg-sync status`. */
  readonly name: string;
  readonly poolSize?: number;
}

/**
 * Runs `fn` on a pool of `poolSize` (2) connections and closes it after.
 * @example await withDatabase(config, { name: 'intercom-pg-sync migrate' }, (db) => migrateToLatest(db));
 */
export async function withDatabase<T>(
  config: ConfigWith<'DATABASE_URL'>,
  use: DatabaseUse,
  fn: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolSize: use.poolSize ?? 2,
    applicationName: use.name,
  });
  try {
    return await fn(db).catch((error: unknown) => {
      throw describeDatabaseError(error, config.DATABASE_URL);
    });
  } finally {
    await db.destroy();
  }
}
