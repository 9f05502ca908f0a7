// What every harness shares: a migrated database of its own, and the environment a daemon or a
// spawned `intercom-sync` needs to reach it, the sandbox and Redis, with timings kept short.
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { createTestDatabase, migratedTemplate, redisUrl, uniqueName, type TestDatabase } from './services.js';

/**
 * Settings a user could choose too, picked so tests do not wait out production delays: retries
 * and push backoff in tens of milliseconds, no search-lag margin, no client-side rate limit, no
 * shutdown drain.
 */
export const TEST_TIMINGS: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_MINUTE: '100000',
  HTTP_TIMEOUT_MS: '5000',
  HTTP_RETRY_MIN_DELAY_MS: '20',
  PUSH_RETRY_MIN_DELAY_MS: '50',
  PUSH_DEPENDENCY_WAIT_MS: '100',
  SEARCH_LAG_SECONDS: '0',
  // A stopping daemon would keep /ready at 503 this long before closing; tests of the drain set their own.
  SHUTDOWN_DRAIN_MS: '0',
};

/**
 * A database on the test server with the schema migrated: a copy of the run's migrated template
 * when there is one (test/db/migrate.test.ts is where migrating itself is tested), else migrated here.
 * @example const database = await createMigratedTestDatabase('daemon');
 */
export async function createMigratedTestDatabase(prefix: string): Promise<TestDatabase> {
  const template = migratedTemplate();
  if (template) return createTestDatabase(prefix, { template });
  const database = await createTestDatabase(prefix);
  const migrator = createDatabase({ url: database.url, poolSize: 1 });
  try {
    await migrateToLatest(migrator);
  } finally {
    await migrator.destroy();
  }
  return database;
}

/**
 * The environment for this database and sandbox, a fresh workspace name and Redis prefix, then
 * `overrides`.
 */
export function harnessEnv(
  database: TestDatabase,
  sandbox: Sandbox,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    INTERCOM_TOKEN: sandbox.options.token,
    INTERCOM_BASE_URL: sandbox.url,
    INTERCOM_WORKSPACE: uniqueName('ws'),
    REDIS_PREFIX: uniqueName('p'),
    LOG_LEVEL: 'silent',
    ...TEST_TIMINGS,
    ...overrides,
  };
}
