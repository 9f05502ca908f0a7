import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest, migrationsApplied } from '../../src/db/migrate.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

describe('migrations', () => {
  let target: TestDatabase;
  let db: Kysely<Database>;

  beforeAll(async () => {
    target = await createTestDatabase('migrate');
    db = createDatabase({ url: target.url, poolSize: 4 });
  });
  afterAll(async () => {
    await db.destroy();
    await target.drop();
  });

  it('build both schemas from an empty database, and a re-run changes nothing', async () => {
    const empty = await createTestDatabase('migrate_empty');
    const db = createDatabase({ url: empty.url, poolSize: 2 });
    try {
      await buildsBothSchemas(db);
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });

  async function buildsBothSchemas(db: Kysely<Database>): Promise<void> {
    expect(await migrationsApplied(db)).toBe(false);
    const first = await migrateToLatest(db);
    expect(first.applied).toContain('0001_initial');
    expect(await migrationsApplied(db)).toBe(true);

    const tables = await sql<{ name: string }>`
      select table_schema || '.' || table_name as name from information_schema.tables
      where table_schema in ('intercom', 'intercom_sync') and table_name not like 'kysely_%' order by 1`.execute(
      db,
    );
    expect(tables.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'intercom.contacts',
        'intercom.companies',
        'intercom.contact_companies',
        'intercom.tags',
        'intercom.contact_tags',
        'intercom.company_tags',
        'intercom.segments',
        'intercom.contact_segments',
        'intercom.company_segments',
        'intercom.notes',
        'intercom_sync.runs',
        'intercom_sync.run_streams',
        'intercom_sync.watermarks',
        'intercom_sync.checkpoints',
        'intercom_sync.webhook_events',
        'intercom_sync.outbox',
        'intercom_sync.conflicts',
        'intercom_sync.snapshots',
      ]),
    );

    const second = await migrateToLatest(db);
    expect(second).toEqual({ applied: [], current: first.current });
  }

  it('a contact written locally has no intercom_id until it exists in Intercom, and links use local ids', async () => {
    await migrateToLatest(db);
    const contact = await db
      .insertInto('intercom.contacts')
      .values({ email: 'ada@example.com', role: 'user' })
      .returning(['id', 'intercom_id', 'custom_attributes', 'archived'])
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ intercom_id: null, custom_attributes: {}, archived: false });
    const company = await db
      .insertInto('intercom.companies')
      .values({ company_id: 'acme', name: 'Acme' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('intercom.contact_companies')
      .values({ contact_id: contact.id, company_id: company.id })
      .execute();
    await expect(db.insertInto('intercom.contacts').values({ role: 'visitor' }).execute()).rejects.toThrow(
      /role_check/,
    );
    await db.deleteFrom('intercom.contacts').where('id', '=', contact.id).execute();
    const links = await db.selectFrom('intercom.contact_companies').selectAll().execute();
    expect(links).toEqual([]);
  });

  it('the kysely Database types are exactly what the migrations create', async () => {
    await migrateToLatest(db);
    // kysely-codegen reads the migrated database and compares with src/db/schema.ts.
    const verify = await run(`${root}node_modules/.bin/kysely-codegen`, ['--verify', '--url', target.url], {
      cwd: root,
    }).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${verify.stdout}${verify.stderr}`).toContain('up-to-date');
  });
});

describe('intercom-pg-sync migrate', () => {
  it('is safe to run from several processes at once', async () => {
    const target = await createTestDatabase('concurrent');
    try {
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map(() => runCli(['migrate'], { DATABASE_URL: target.url })),
      );
      for (const o of outcomes) expect(o.code, o.stderr).toBe(0);
      const applied = outcomes.filter((o) => o.stdout.startsWith('applied'));
      expect(applied).toHaveLength(1);
      expect(outcomes.filter((o) => o.stdout.startsWith('schema is up to date'))).toHaveLength(3);
    } finally {
      await target.drop();
    }
  });

  it('explains a missing or unreachable DATABASE_URL in one sentence', async () => {
    const missing = await runCli(['migrate'], { DATABASE_URL: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^intercom-pg-sync: DATABASE_URL is not set: .+\.$/);

    const unreachable = await runCli(['migrate'], {
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:9/none',
    });
    expect(unreachable.code).toBe(2);
    const stderr = unreachable.stderr;
    expect(stderr).toContain(
      'cannot use Postgres at postgres://nobody:***@127.0.0.1:9/none: connection refused',
    );
    expect(stderr).not.toContain('secret');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
