// Benchmark: pushing local changes to Intercom through the daemon's own push workers (issue 6
// "Benchmark"). Prints figures, asserts nothing.
//
//   npx tsx bench/outbound.ts [--records 10000] [--latency-ms 100] [--rate-limit 10000]
//                             [--coalesce-rows 1000] [--edits 5] [--tag-changes 10000]
//                             [--cases updates,coalesce,tags] [--json]
//
// The sandbox runs in its own child process (`intercom-sync sandbox`). The mirror is filled by a
// full sync with the sandbox's limits lifted; then, with latency and the rate limit on:
//   1. `--records` contacts updated in one statement: time until the outbox is drained, against
//      the rate-limit bound (records ÷ calls per second), 429s received, API calls per record;
//   2. `--edits` quick edits to each of `--coalesce-rows` contacts: API calls made (1 per row when
//      the edits coalesce);
//   3. `--tag-changes` contacts tagged with a tag new in Postgres, in one transaction (the tag row and
//      its links): calls per change (one tag call each, plus the tag's create) and the drain time
//      against the rate-limit bound.
// `--cases` picks which of the three run.
// The daemon (startDaemon) runs in this process with the usual settings from the environment
// (PUSH_CONCURRENCY, PUSH_COALESCE_MS, RATE_RESERVE_OUTBOUND, …). Scratch database and Redis
// prefix, removed at the end.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import type { Database } from '../src/db/database.js';
import { openRuntime } from '../src/app/runtime.js';
import { processLogger } from '../src/app/logging.js';
import { runFullSync } from '../src/sync/full-sync.js';
import { startDaemon } from '../src/app/daemon.js';
import { serverUrl } from './pg-upsert.js';
import { startSandboxProcess, type SandboxStats } from './sandbox-process.js';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    'latency-ms': { type: 'string', default: '100' },
    'rate-limit': { type: 'string', default: '10000' },
    'coalesce-rows': { type: 'string', default: '1000' },
    edits: { type: 'string', default: '5' },
    'tag-changes': { type: 'string', default: '10000' },
    cases: { type: 'string', default: 'updates,coalesce,tags' },
    json: { type: 'boolean', default: false },
  },
});
const records = Number(flags.records);
const latencyMs = Number(flags['latency-ms']);
const rateLimit = Number(flags['rate-limit']);
const coalesceRows = Number(flags['coalesce-rows']);
const edits = Number(flags.edits);
const tagChanges = Number(flags['tag-changes']);
const cases = new Set(flags.cases.split(',').map((c) => c.trim()));
const perSecond = rateLimit / 60;

const say = (line: string) => process.stderr.write(`[outbound] ${line}\n`);
const seconds = (startMs: number) => (performance.now() - startMs) / 1000;

async function control<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_sandbox${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function openChanges(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from intercom_sync.outbox where state in ('pending', 'in_flight')`.execute(db);
  return result.rows[0]!.n;
}

async function outboxStates(db: Kysely<Database>): Promise<Record<string, number>> {
  const result = await sql<{ state: string; n: number }>`
    select state, count(*)::int as n from intercom_sync.outbox group by state`.execute(db);
  return Object.fromEntries(result.rows.map((r) => [r.state, r.n]));
}

/** Waits until the outbox has nothing pending or in flight; returns when that was first seen. */
async function drained(db: Kysely<Database>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while ((await openChanges(db)) > 0) {
    if (Date.now() > deadline) throw new Error(`the outbox did not drain within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now();
}

/** Write calls (not reads or searches) by route, and how many of them were answered 2xx. */
function writes(stats: SandboxStats): { total: number; accepted: number; byRoute: Record<string, number> } {
  const byRoute: Record<string, number> = {};
  let accepted = 0;
  for (const [route, statuses] of Object.entries(stats.byRoute)) {
    if (route.startsWith('GET ') || route.endsWith('/search')) continue;
    byRoute[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
    for (const [status, n] of Object.entries(statuses)) if (status.startsWith('2')) accepted += n;
  }
  return { total: Object.values(byRoute).reduce((a, b) => a + b, 0), accepted, byRoute };
}

// ---------------------------------------------------------------------------------------------

const server = serverUrl();
const database = `bench_outbound_${randomBytes(4).toString('hex')}`;
await withAdmin(server, (admin) => admin.query(`create database ${database}`));
const dbUrl = new URL(server);
dbUrl.pathname = `/${database}`;
const sandbox = await startSandboxProcess([
  '--port=0',
  `--contacts=${Math.max(records, coalesceRows, tagChanges)}`,
  '--companies=50',
  '--seed=6',
  '--rate-limit=0',
]);
say(`sandbox ${sandbox.url}; database ${database}`);

const env = {
  ...process.env,
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:63799',
  INTERCOM_TOKEN: 'sandbox-token',
  INTERCOM_BASE_URL: sandbox.url,
  INTERCOM_CLIENT_SECRET: 'sandbox-secret',
  INTERCOM_WORKSPACE: `bench-${randomBytes(3).toString('hex')}`,
  REDIS_PREFIX: `bench-outbound-${randomBytes(3).toString('hex')}`,
  RATE_LIMIT_PER_MINUTE: String(rateLimit),
  PORT: '0',
  SEARCH_LAG_SECONDS: '0',
};
const config = loadConfig(env, ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN', 'INTERCOM_CLIENT_SECRET']);
const log = processLogger(config, 'command');
let exitCode = 0;
try {
  // The mirror, read at full speed (the limits are not what this bench measures).
  {
    const rt = await openRuntime(config, { log });
    const { migrateToLatest } = await import('../src/db/migrate.js');
    await migrateToLatest(rt.db);
    const started = performance.now();
    const summary = await runFullSync(rt, { only: ['contacts', 'data_attributes'] });
    if (summary.status !== 'succeeded') throw new Error(`full sync failed: ${summary.error}`);
    say(`mirror filled by a full sync in ${seconds(started).toFixed(1)} s`);
    await rt.close();
  }
  await control(sandbox.url, 'PATCH', '/settings', { latencyMs, rateLimit });

  const daemon = await startDaemon({ config, log, host: '127.0.0.1', schedule: false });
  const db = daemon.runtime.db;
  const ids = (
    await db
      .selectFrom('intercom.contacts')
      .select('id')
      .where('archived', '=', false)
      .orderBy('id')
      .execute()
  ).map((r) => Number(r.id));
  if (ids.length < Math.max(records, tagChanges))
    throw new Error(`only ${ids.length} contacts mirrored, ${Math.max(records, tagChanges)} asked`);

  // 1. Many records, one change each.
  const updates = cases.has('updates') ? await updateCase(db, ids) : undefined;
  const coalesce = cases.has('coalesce') ? await coalesceCase(db, ids) : undefined;
  const tags = cases.has('tags') ? await tagCase(db, ids) : undefined;

  const figures = {
    settings: {
      records,
      latencyMs,
      rateLimitPerMinute: rateLimit,
      pushConcurrency: config.PUSH_CONCURRENCY,
      coalesceMs: config.PUSH_COALESCE_MS,
    },
    updates,
    coalesce,
    tags,
  };
  await daemon.close();
  if (flags.json) console.log(JSON.stringify(figures));
  else {
    const lines = [
      `outbound: ${latencyMs} ms latency, ${rateLimit} calls/min (${perSecond.toFixed(1)}/s), ` +
        `PUSH_CONCURRENCY ${config.PUSH_CONCURRENCY}, PUSH_COALESCE_MS ${config.PUSH_COALESCE_MS}`,
    ];
    const u = figures.updates;
    if (u)
      lines.push(
        `updates: ${records} records drained in ${u.drainS} s; rate-limit bound ${u.boundS} s; ratio ${u.ratio} (target ≤ 1.15)`,
        `  ${u.apiWrites} API writes (${u.callsPerRecord} per record, ${u.callsPerSecond}/s; ${u.acceptedWrites} accepted), ${u.rateLimited429} × 429, ` +
          `${u.otherRequests} other requests; outbox ${JSON.stringify(u.outbox)}`,
      );
    const c = figures.coalesce;
    if (c)
      lines.push(
        `coalescing: ${c.editsPerRow} edits to each of ${c.rows} rows (written in ${c.editsS} s) → ${c.apiWrites} API writes ` +
          `(${c.callsPerRow} per row), drained in ${c.drainS} s, ${c.rateLimited429} × 429`,
      );
    const t = figures.tags;
    if (t)
      lines.push(
        `tags: ${t.changes} tag changes drained in ${t.drainS} s; rate-limit bound ${t.boundS} s; ratio ${t.ratio} (target ≤ 1.15)`,
        `  ${t.apiWrites} API writes (${t.callsPerChange} per change; ${JSON.stringify(t.byRoute)}), ${t.rateLimited429} × 429; outbox ${JSON.stringify(t.outbox)}`,
      );
    console.log(lines.join('\n'));
  }
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  sandbox.child.kill('SIGTERM');
  await withAdmin(server, (admin) => admin.query(`drop database if exists ${database} with (force)`)).catch(
    () => undefined,
  );
  process.exit(exitCode);
}

async function updateCase(db: Kysely<Database>, ids: readonly number[]) {
  await control(sandbox.url, 'POST', '/stats/reset');
  const updateIds = ids.slice(0, records);
  const started = performance.now();
  await sql`update intercom.contacts set name = 'Bench ' || id,
    custom_attributes = custom_attributes || jsonb_build_object('seats', id % 97)
    where id = any(${updateIds}::bigint[])`.execute(db);
  const committedS = seconds(started);
  const end = await drained(db, 20 * 60_000);
  const drainS = (end - started) / 1000;
  const stats1 = await control<SandboxStats>(sandbox.url, 'GET', '/stats');
  const w1 = writes(stats1);
  const bound = records / perSecond;
  const states1 = await outboxStates(db);

  return {
    committedS: Number(committedS.toFixed(2)),
    drainS: Number(drainS.toFixed(1)),
    boundS: Number(bound.toFixed(1)),
    ratio: Number((drainS / bound).toFixed(3)),
    callsPerSecond: Number((w1.total / drainS).toFixed(1)),
    apiWrites: w1.total,
    acceptedWrites: w1.accepted,
    callsPerRecord: Number((w1.total / records).toFixed(3)),
    rateLimited429: stats1.rateLimited,
    otherRequests: stats1.requests - w1.total,
    peakConcurrency: stats1.peakConcurrency,
    outbox: states1,
  };
}

async function coalesceCase(db: Kysely<Database>, ids: readonly number[]) {
  // 2. Quick edits to each of some rows: they should coalesce into one call per row.
  await control(sandbox.url, 'POST', '/stats/reset');
  const coalesceIds = ids.slice(0, coalesceRows);
  const started2 = performance.now();
  await pMap(
    coalesceIds,
    async (id) => {
      for (let edit = 1; edit <= edits; edit++)
        await sql`update intercom.contacts set name = ${`Edit ${edit} of ${id}`} where id = ${id}`.execute(
          db,
        );
    },
    { concurrency: 8 },
  );
  const editsS = seconds(started2);
  const end2 = await drained(db, 10 * 60_000);
  const drain2S = (end2 - started2) / 1000;
  const stats2 = await control<SandboxStats>(sandbox.url, 'GET', '/stats');
  const w2 = writes(stats2);

  return {
    rows: coalesceRows,
    editsPerRow: edits,
    editsS: Number(editsS.toFixed(2)),
    drainS: Number(drain2S.toFixed(1)),
    apiWrites: w2.total,
    callsPerRow: Number((w2.total / coalesceRows).toFixed(3)),
    rateLimited429: stats2.rateLimited,
    byRoute: w2.byRoute,
  };
}

async function tagCase(db: Kysely<Database>, ids: readonly number[]) {
  await control(sandbox.url, 'POST', '/stats/reset');
  const tagged = ids.slice(0, tagChanges);
  const before = await outboxStates(db);
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    const tag = await trx
      .insertInto('intercom.tags')
      .values({ name: `Bench ${randomBytes(3).toString('hex')}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`insert into intercom.contact_tags (contact_id, tag_id)
      select unnest(${tagged}::bigint[]), ${tag.id}::bigint`.execute(trx);
  });
  const end = await drained(db, 20 * 60_000);
  const drainS = (end - started) / 1000;
  const stats = await control<SandboxStats>(sandbox.url, 'GET', '/stats');
  const w = writes(stats);
  const after = await outboxStates(db);
  const bound = tagChanges / perSecond;
  return {
    changes: tagChanges,
    drainS: Number(drainS.toFixed(1)),
    boundS: Number(bound.toFixed(1)),
    ratio: Number((drainS / bound).toFixed(3)),
    apiWrites: w.total,
    callsPerChange: Number((w.total / tagChanges).toFixed(4)),
    byRoute: w.byRoute,
    rateLimited429: stats.rateLimited,
    outbox: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])),
  };
}
