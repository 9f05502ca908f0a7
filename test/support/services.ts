// Real Postgres and Redis for tests: each caller gets its own database and its own key prefix,
// so test files running in parallel never see each other's rows, queues or budgets.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run the tests with `npm test` (it starts the services)');
  return url;
}

export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with `npm test` (it starts the services)');
  return url;
}

/** A unique, short name for this test's database, key prefix or queue. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * The database `test/support/global-setup.ts` migrated once for this run, which
 * `createTestDatabase(prefix, { migrated: true })` copies; unset when the run has none (a file run
 * without the global setup), and then each caller migrates its own.
 */
export const MIGRATED_TEMPLATE_ENV = 'INTERCOM_SYNC_TEST_TEMPLATE_DB';

export interface TestDatabaseOptions {
  /**
   * A copy of the run's migrated template (CREATE DATABASE … TEMPLATE: a file copy, a fraction of
   * what running every migration costs); only when the global setup made one, see `migratedTemplate()`.
   */
  readonly template?: string;
}

/**
 * The run's migrated template database, if the global setup made one.
 * @example const template = migratedTemplate(); const db = await createTestDatabase('x', template ? { template } : {});
 */
export function migratedTemplate(): string | undefined {
  return process.env[MIGRATED_TEMPLATE_ENV] || undefined;
}

/**
 * Creates an empty database on the test server (or a copy of `options.template`); `drop()` removes
 * it (and its connections).
 * @example const target = await createTestDatabase('webhooks'); … await target.drop();
 */
export async function createTestDatabase(
  prefix = 'test',
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const template = options.template ? ` template "${options.template}"` : '';
    await admin.query(`create database "${name}"${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** An ioredis connection to the test Redis; BullMQ needs `maxRetriesPerRequest: null`. */
export function createTestRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}
