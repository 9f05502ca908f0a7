// Benchmark: one incremental run late in a day on which many contacts changed (issue 15 "Measure":
// 20,000 contacts changed earlier that day, 10 since the last run, API calls target ≤ 3). Prints
// figures, asserts nothing.
//
//   npx tsx bench/incremental.ts [--contacts 25000] [--changed-today 20000] [--changed-since 10]
//                                [--from-hour 1] [--until-hour 21] [--minutes-later 5] [--seed 1] [--json]
//
// The sandbox (in this process; its CPU is not what is measured) is put on yesterday, so no
// timestamp is ahead of this machine's clock. `--changed-today` contacts are changed one after
// another, evenly from --from-hour to --until-hour UTC; a full sync then makes the watermark
// current (the newest change, --until-hour). `--minutes-later` minutes after it, `--changed-since`
// more contacts change, and one incremental run (runIncrementalSync, what the daemon's schedule
// runs) is measured: API calls by route as the sandbox counted them, and rows written
// (pg_stat_user_tables, intercom.*). It re-reads the changes of the SEARCH_LAG_SECONDS before the
// watermark (README "How it syncs"): at 20,000 changes over 20 hours and the default 900 s that is
// ~250 contacts, two search pages with the ten new ones.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { readWatermark } from '../src/db/watermarks.js';
import { processLogger } from '../src/app/logging.js';
import { openRuntime, type Runtime } from '../src/app/runtime.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { runFullSync } from '../src/sync/full-sync.js';
import { runIncrementalSync } from '../src/sync/incremental-sync.js';
import { dayStart } from '../src/sync/partitions.js';
import { localServices } from '../scripts/local-services.js';
import { dropScratch, rowsWritten, withAdmin } from './pg-upsert.js';

const { values: flags } = parseArgs({
  options: {
    contacts: { type: 'string', default: '25000' },
    'changed-today': { type: 'string', default: '20000' },
    'changed-since': { type: 'string', default: '10' },
    'from-hour': { type: 'string', default: '1' },
    'until-hour': { type: 'string', default: '21' },
    'minutes-later': { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const contacts = int(flags.contacts);
const changedToday = int(flags['changed-today']);
const changedSince = int(flags['changed-since']);
const fromHour = Number(flags['from-hour']);
const untilHour = Number(flags['until-hour']);
const minutesLater = Number(flags['minutes-later']);
if (changedToday + changedSince > contacts)
  throw new Error('--contacts must hold --changed-today and --changed-since');
if (!(fromHour >= 0 && fromHour < untilHour && untilHour * 60 + minutesLater < 24 * 60))
  throw new Error('expected 0 <= --from-hour < --until-hour, and the run before midnight');

function int(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got '${value}'`);
  return n;
}

const say = (line: string) => process.stderr.write(`[incremental] ${line}\n`);

/** Puts the sandbox clock at `at` (UNIX seconds); its offset is to this machine's clock. */
function setClock(sandbox: Sandbox, at: number): void {
  sandbox.updateSettings({ clockOffsetSeconds: at - Date.now() / 1000 });
}

/** Waits until the runtime's connections have exited, so their statistics are flushed. */
async function waitForBackends(stats: Kysely<any>, application: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = ${application}`.execute(
      stats,
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the sync connections did not close');
}

interface Result {
  contacts: number;
  changedToday: number;
  changedSince: number;
  searchLagSeconds: number;
  watermark: string | null;
  since: string | null;
  /** Contacts changed between (watermark − lag) and the watermark: read again by design. */
  inLagWindow: number;
  calls: number;
  routes: Record<string, number>;
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rowsWritten: number;
  wallS: number;
  load: number;
}

async function bench(): Promise<Result> {
  const services = localServices();
  const tag = `${Date.now().toString(36)}${process.pid}`;
  const database = `bench_incremental_${tag}`;
  const prefix = `bench-incremental-${tag}`;
  const application = `bench incremental ${tag}`;
  await withAdmin(services.database, (admin) => admin.query(`create database ${database}`));
  const url = new URL(services.database);
  url.pathname = `/${database}`;
  const statsDb = createDatabase({
    url: url.toString(),
    poolSize: 1,
    applicationName: 'bench incremental stats',
  });
  const sandbox = await startSandbox({
    contacts,
    companies: Math.ceil(contacts / 10),
    seed: int(flags.seed),
    rateLimit: 0,
  });
  try {
    await migrateToLatest(statsDb);
    const config = loadConfig(
      {
        ...process.env,
        DATABASE_URL: url.toString(),
        REDIS_URL: services.redis,
        INTERCOM_TOKEN: 'sandbox-token',
        INTERCOM_BASE_URL: sandbox.url,
        RATE_LIMIT_PER_MINUTE: '10000',
        REDIS_PREFIX: prefix,
        INTERCOM_WORKSPACE: 'bench',
      },
      ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN'],
    );
    const log = processLogger(config, 'command');
    const open = () => openRuntime(config, { log, name: application });
    const ids = [...sandbox.store.contacts.keys()];
    // Yesterday, so that no timestamp is ahead of this machine's clock (the sync clamps those).
    const day = dayStart(Math.floor(Date.now() / 1000)) - 86_400;
    const first = day + fromHour * 3600;
    const step = ((untilHour - fromHour) * 3600) / Math.max(1, changedToday - 1);
    say(`changing ${changedToday} of ${contacts} contacts between ${fromHour}:00 and ${untilHour}:00 UTC`);
    for (let i = 0; i < changedToday; i++) {
      setClock(sandbox, first + Math.floor(i * step));
      sandbox.workspace.contacts.update(ids[i]!, { name: `Changed today ${i}` });
    }
    const lastChange = first + Math.floor((changedToday - 1) * step);
    setClock(sandbox, lastChange + 30);
    say('full sync, so the watermark is current');
    let rt: Runtime = await open();
    try {
      const full = await runFullSync(rt, { trigger: 'bench' });
      if (full.status !== 'succeeded') throw new Error(`the full sync ended ${full.status}: ${full.error}`);
    } finally {
      await rt.close();
    }
    const watermark = await readWatermark(statsDb, 'contacts');
    const later = lastChange + minutesLater * 60;
    setClock(sandbox, later);
    for (let i = 0; i < changedSince; i++)
      sandbox.workspace.contacts.update(ids[changedToday + i]!, { name: `Changed since ${i}` });
    setClock(sandbox, later + 30);

    await waitForBackends(statsDb, application);
    const writesBefore = await rowsWritten(statsDb);
    sandbox.stats.reset();
    say(`incremental run, ${changedSince} contacts changed since the last run`);
    rt = await open();
    const started = performance.now();
    let summary: Awaited<ReturnType<typeof runIncrementalSync>>;
    try {
      summary = await runIncrementalSync(rt, { trigger: 'bench' });
    } finally {
      await rt.close();
    }
    const wallS = (performance.now() - started) / 1000;
    const stats = sandbox.stats.snapshot();
    await waitForBackends(statsDb, application);
    const written = (await rowsWritten(statsDb)) - writesBefore;
    if (summary.status !== 'succeeded')
      throw new Error(`the incremental run ended ${summary.status}: ${summary.error}`);
    const lag = rt.settings.searchLagSeconds;
    const mark = watermark ? Math.floor(watermark.getTime() / 1000) : 0;
    const inLagWindow = [...sandbox.store.contacts.values()].filter(
      (c) => c.updated_at >= mark - lag && c.updated_at <= mark,
    ).length;
    const s = summary.streams[0]!;
    return {
      contacts,
      changedToday,
      changedSince,
      searchLagSeconds: lag,
      watermark: watermark?.toISOString() ?? null,
      since: summary.since,
      inLagWindow,
      calls: stats.requests,
      routes: Object.fromEntries(
        Object.entries(stats.byRoute).map(([route, byStatus]) => [
          route,
          Object.values(byStatus).reduce((a, b) => a + b, 0),
        ]),
      ),
      fetched: s.fetched,
      inserted: s.inserted,
      updated: s.updated,
      unchanged: s.unchanged,
      rowsWritten: written,
      wallS,
      load: loadavg()[0]!,
    };
  } finally {
    await sandbox.close();
    await statsDb.destroy();
    await dropScratch(services.database, database, services.redis, prefix);
  }
}

function report(r: Result): void {
  const ok = r.calls <= 3 ? 'met' : 'MISSED';
  console.log(
    [
      `incremental benchmark: ${r.contacts} contacts, ${r.changedToday} changed ${fromHour}:00–${untilHour}:00 UTC, ` +
        `${r.changedSince} changed ${minutesLater} min after the last run; SEARCH_LAG_SECONDS ${r.searchLagSeconds}`,
      `watermark ${r.watermark}, run read from ${r.since} (${r.inLagWindow} contacts changed in that lag window, read again)`,
      `calls by route: ${
        Object.entries(r.routes)
          .map(([route, n]) => `${route} ${n}`)
          .join(', ') || 'none'
      }`,
      `contacts fetched ${r.fetched}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}; ` +
        `rows written (pg_stat_user_tables, intercom.*) ${r.rowsWritten}; ${r.wallS.toFixed(2)} s, load average ${r.load.toFixed(1)}`,
      '',
      'measure                                          value      target',
      `${'API calls of the incremental run'.padEnd(48)} ${String(r.calls).padStart(5)}      <= 3      ${ok}`,
    ].join('\n'),
  );
}

try {
  const result = await bench();
  if (flags.json) console.log(JSON.stringify(result));
  else report(result);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
