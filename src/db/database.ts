// Opens the kysely connection to Postgres that every flow is handed.
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { isConnectionLoss } from './errors.js';
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
  /**
   * How long a statement waits for a server it has reached before to take connections again (a
   * restart, a failover) instead of failing at once; 0, the default, waits for nothing. A server
   * never reached is not waited for: a wrong URL still fails at once.
   */
  readonly reconnectWaitMs?: number;
}

/** The wait a long-running process (the daemon, a sync) gives a restarting Postgres: docs/resilience.md#postgres-restarts. */
export const RESTART_WAIT_MS = 30_000;

/** How long opening one connection may take before it fails (an unreachable server). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * How long a query may wait for a free connection of the pool. Waiting is normal when more work
 * is in flight than the pool has connections (a full sync on a busy machine); this bound only
 * turns a leaked connection into an error, so it is far longer than the connect timeout.
 */
const POOL_WAIT_MS = 120_000;

/** A client that gives up connecting after CONNECT_TIMEOUT_MS, whatever the pool's wait. */
class TimedClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
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
    // pg-pool applies this to a new connection and to a wait for a free one alike; the client
    // class times out the connect itself, sooner.
    connectionTimeoutMillis: POOL_WAIT_MS,
    Client: TimedClient,
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // So must a client in use (a restart or a killed backend mid-transaction): its query fails with the
  // error already, and the 'error' event pg emits besides would have no listener and end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  const waitMs = options.reconnectWaitMs ?? 0;
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: waitMs > 0 ? waitingThroughRestarts(pool, waitMs) : pool }),
  });
}

/**
 * The pool, with a connection that cannot be opened because the server went away (refused, shutting
 * down, starting up) asked for again, 100 ms then up to 1 s apart, for up to `waitMs`, once the pool
 * has had a connection: statements issued during a restart then run when it is back. Nothing of
 * theirs was sent, so nothing runs twice.
 */
function waitingThroughRestarts(pool: pg.Pool, waitMs: number): PostgresPool {
  let reached = false;
  return {
    async connect() {
      for (let deadline = 0, pause = 100; ; pause = Math.min(1_000, pause * 2)) {
        try {
          const client = await pool.connect();
          reached = true;
          return client;
        } catch (error) {
          deadline ||= Date.now() + waitMs;
          if (!reached || !isConnectionLoss(error) || Date.now() + pause > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    },
    end: () => pool.end(),
  };
}
