// Benchmark: our batched contact upsert against a plain COPY of the same rows, then a no-op re-sync.
// Run: npx tsx bench/pg-upsert.ts [--rows 100000] [--batch 1000]. Prints figures, asserts nothing.
// bench/full-sync.ts imports serverUrl, copyInto and rowsWritten from here (main runs only when run directly).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { faker } from '@faker-js/faker';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { Redis } from 'ioredis';
import { from as copyFrom } from 'pg-copy-streams';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { contactsTable, upsertContacts } from '../src/db/upsert-contacts.js';
import { mapContact } from '../src/mappers/contact.js';
import type { ContactRow } from '../src/mappers/rows.js';

/** Postgres server URL: DATABASE_URL, else the local services (scripts/services.sh start). */
export function serverUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const env = execFileSync('bash', ['scripts/services.sh', 'start'], { encoding: 'utf8' });
  const match = /^DATABASE_URL=(.+)$/m.exec(env);
  if (!match) throw new Error('scripts/services.sh start printed no DATABASE_URL');
  return match[1]!;
}

/** A contact as the API returns it: identity, activity, location, custom attributes, embedded lists. */
function contactPayload(i: number): Record<string, unknown> {
  const created = 1_500_000_000 + faker.number.int(200_000_000);
  const lead = i % 5 === 0;
  const tags = faker.helpers.multiple(
    () => ({ type: 'tag', id: String(faker.number.int({ min: 1, max: 400 })), url: '/tags/x' }),
    { count: { min: 0, max: 4 } },
  );
  const id = faker.database.mongodbObjectId();
  return {
    type: 'contact',
    id,
    workspace_id: 'ecahpwf5',
    external_id: lead ? faker.string.uuid() : `usr_${i}`,
    role: lead ? 'lead' : 'user',
    email: i % 7 === 0 ? null : faker.internet.email(),
    phone: i % 3 === 0 ? faker.phone.number() : null,
    name: i % 11 === 0 ? null : faker.person.fullName(),
    avatar: faker.image.avatar(),
    owner_id: i % 4 === 0 ? faker.number.int({ min: 1, max: 50 }) : null,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: faker.datatype.boolean(),
    created_at: created,
    updated_at: created + faker.number.int(10_000_000),
    signed_up_at: lead ? null : created,
    last_seen_at: created + faker.number.int(20_000_000),
    last_replied_at: 0,
    last_contacted_at: i % 2 ? created + 1000 : null,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: faker.helpers.arrayElement(['chrome', 'firefox', 'safari']),
    browser_version: faker.system.semver(),
    browser_language: faker.helpers.arrayElement(['en', 'fr', 'de', 'pl', 'ja']),
    os: faker.helpers.arrayElement(['OS X 10.15.7', 'Windows 10', 'Android 14', 'iOS 17.1']),
    location: {
      type: 'location',
      country: faker.location.country(),
      region: faker.location.state(),
      city: faker.location.city(),
    },
    android_app_name: null,
    ios_app_name: null,
    custom_attributes: {
      plan: faker.helpers.arrayElement(['free', 'pro', 'team']),
      seats: faker.number.int(200),
      company_size: faker.number.int(5000),
      beta: faker.datatype.boolean(),
    },
    tags: {
      type: 'list',
      data: tags,
      url: `/contacts/${id}/tags`,
      total_count: tags.length,
      has_more: false,
    },
    notes: { type: 'list', data: [], url: `/contacts/${id}/notes`, total_count: 0, has_more: false },
    companies: { type: 'list', data: [], url: `/contacts/${id}/companies`, total_count: 0, has_more: false },
  };
}

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyLine(row: ContactRow): string {
  const fields = contactsTable.columns.map(({ name }) => {
    // archived null means "not said": the upsert inserts false, so COPY does too.
    const value = name === 'archived' ? (row.archived ?? false) : row[name];
    if (value === null || value === undefined) return '\\N';
    const text =
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  });
  return `${fields.join('\t')}\n`;
}

/** COPYs `rows` into a new empty table `public.contacts_copy` shaped like intercom.contacts. */
export async function copyInto(url: string, rows: readonly ContactRow[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table public.contacts_copy (like intercom.contacts including all)');
    const columns = contactsTable.columns.map((c) => c.name).join(', ');
    const stream = client.query(copyFrom(`copy public.contacts_copy (${columns}) from stdin`));
    const chunks = function* () {
      for (let i = 0; i < rows.length; i += 1000)
        yield rows
          .slice(i, i + 1000)
          .map(copyLine)
          .join('');
    };
    await pipeline(Readable.from(chunks()), stream);
  } finally {
    await client.end();
  }
}

/**
 * Rows inserted + updated + deleted in intercom.<table> (every intercom.* table when omitted), per
 * pg_stat_user_tables. Flushes only this connection's pending statistics: other backends must have
 * exited (or flushed) first.
 */
export async function rowsWritten(db: Kysely<any>, table?: string): Promise<number> {
  await sql`select pg_stat_force_next_flush()`.execute(db);
  await sql`select 1`.execute(db);
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const result = await sql<{ n: number }>`
    select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint::int as n from pg_stat_user_tables
    where schemaname = 'intercom' and (${table ?? null}::text is null or relname = ${table ?? null})`.execute(
    db,
  );
  return result.rows[0]!.n;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { rows: { type: 'string', default: '100000' }, batch: { type: 'string', default: '1000' } },
  });
  const rowCount = Number(args.rows);
  const batchSize = Number(args.batch);
  const server = serverUrl();
  const name = `bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  // One connection, so the statistics flush below covers every write the run made.
  const db = createDatabase({ url: url.toString(), poolSize: 1 });
  try {
    await migrateToLatest(db);
    faker.seed(42);
    let start = process.hrtime.bigint();
    const payloads = Array.from({ length: rowCount }, (_, i) => contactPayload(i));
    const generated = seconds(start);
    start = process.hrtime.bigint();
    const rows = payloads.map((p) => mapContact(p).row);
    const mapped = seconds(start);
    const bytes = Buffer.byteLength(JSON.stringify(payloads.slice(0, 1000))) / 1000;
    console.log(
      `${rowCount} contacts (~${Math.round(bytes)} B of JSON each): generated in ${generated.toFixed(2)} s, mapped in ${mapped.toFixed(2)} s`,
    );

    start = process.hrtime.bigint();
    const first = await upsertContacts(db, rows, { batchSize });
    const upsertTime = seconds(start);
    console.log(
      `upsert (batches of ${batchSize}): ${upsertTime.toFixed(2)} s, ${Math.round(rowCount / upsertTime)} rows/s`,
      first,
    );

    start = process.hrtime.bigint();
    await copyInto(url.toString(), rows);
    const copyTime = seconds(start);
    console.log(
      `COPY into an empty table of the same shape: ${copyTime.toFixed(2)} s, ${Math.round(rowCount / copyTime)} rows/s`,
    );
    console.log(`ratio upsert / COPY: ${(upsertTime / copyTime).toFixed(2)} (target <= 3)`);

    const before = await rowsWritten(db, 'contacts');
    start = process.hrtime.bigint();
    const again = await upsertContacts(db, rows, { batchSize });
    const resyncTime = seconds(start);
    const written = (await rowsWritten(db, 'contacts')) - before;
    console.log(
      `identical re-sync: ${resyncTime.toFixed(2)} s, rows written (pg_stat_user_tables): ${written} (target 0)`,
      again,
    );
  } finally {
    await db.destroy();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

/**
 * Runs `fn` on a short-lived connection to the server's maintenance database (tests running beside
 * the bench create and force-drop databases; a long-lived admin connection is not worth the risk).
 */
export async function withAdmin<T>(server: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(server);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Removes a bench's scratch database and its scratch Redis keys (`prefix:*`). */
export async function dropScratch(
  server: string,
  database: string,
  redisUrl: string,
  prefix: string,
): Promise<void> {
  await withAdmin(server, (admin) => admin.query(`drop database if exists ${database} with (force)`));
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
