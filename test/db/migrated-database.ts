// A fresh migrated database per test file, and small readers the db tests share.
import { sql, type Kysely } from 'kysely';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createMigratedTestDatabase } from '../support/harness-env.js';
import type { TestDatabase } from '../support/services.js';

export interface MigratedDatabase {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export async function createMigratedDatabase(prefix: string): Promise<MigratedDatabase> {
  const target: TestDatabase = await createMigratedTestDatabase(prefix);
  const db = createDatabase({ url: target.url, poolSize: 4 });
  return {
    db,
    async close() {
      await db.destroy();
      await target.drop();
    },
  };
}

/** The row versions (xmin) of a table by Intercom id: a rewritten row gets a new one. */
export async function rowVersions(db: Kysely<Database>, table: string): Promise<Map<string, string>> {
  const result = await sql<{ intercom_id: string; xmin: string }>`
    select intercom_id, xmin::text as xmin from ${sql.table(table)} order by intercom_id`.execute(db);
  return new Map(result.rows.map((r) => [r.intercom_id, r.xmin]));
}
