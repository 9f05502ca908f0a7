// Opens the kysely connection to Postgres that every flow is handed.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Database = DB;

// Parse int8 (our bigint ids, counts) as numbers: local ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
// NUMERIC (companies.monthly_spend) as a number, as the generated types say; Intercom sends ints.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

export interface DatabaseOptions {
  readonly url: string;
  /** Connections in the pool; bounded so many workers cannot exhaust the server. */
  readonly poolSize?: number;
  readonly applicationName?: string;
}

/**
 * A kysely instance on a pg pool.
 * @example const db = createDatabase({ url: config.DATABASE_URL }); await db.destroy();
 */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'intercom-pg-sync',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // So must a client in use (a restart or a killed backend mid-transaction): its query fails with the
  // error already, and the 'error' event pg emits besides would have no listener and end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
