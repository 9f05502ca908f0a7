// Starts (or reuses) the project-local Postgres and Redis once per test run, through the same
// script the README uses, hands their URLs to every test file through the environment, and
// migrates one template database that the files' databases are copied from (dropped at the end).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTestDatabase, MIGRATED_TEMPLATE_ENV } from './services.js';

export default async function setup(): Promise<() => Promise<void>> {
  const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
  const output = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of output.split('\n')) {
    const match = /^(DATABASE_URL|REDIS_URL)=(.+)$/.exec(line.trim());
    if (match) process.env[match[1]!] = match[2]!;
  }
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    throw new Error(`scripts/services.sh start printed no DATABASE_URL/REDIS_URL:\n${output}`);
  }

  // Migrating costs a test file ~0.5-1 s of the two cores; copying a migrated database is a file
  // copy. Its own name per run, so runs sharing a server never copy each other's schema.
  const template = await createTestDatabase('template');
  const db = createDatabase({ url: template.url, poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    // A database is copied only while nobody is connected to it.
    await db.destroy();
  }
  process.env[MIGRATED_TEMPLATE_ENV] = template.name;
  return async () => {
    delete process.env[MIGRATED_TEMPLATE_ENV];
    await template.drop();
  };
}
