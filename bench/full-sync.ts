// Benchmark: a full sync of a sandbox workspace (issue 4 "Benchmark"). Prints figures, asserts nothing.
//
//   npx tsx bench/full-sync.ts [--contacts 100000] [--companies 10000] [--latency-ms 100] [--rate-limit 10000]
//                              [--small-contacts 10000] [--small-companies 1000] [--seed 1] [--heap-mb 256] [--json]
//                              [--import-day-share 0.6] [--daemons 2] [--syncs-only]
//
// --import-day-share seeds a workspace where a bulk import created that share of the contacts on one
// day. --contacts 1000000 is the million-contact run (the sandbox needs a few GB for it). --daemons N
// runs both syncs as a daemon's full-sync job shared by N daemon processes (their CPU and peak RSS
// are summed and maxed), instead of in one process. --syncs-only skips the sequential cursor and the
// Postgres side (upsert vs COPY): the two syncs' figures only (for a run at 300k or 1M contacts).
//
// The sandbox runs in its own child process (`intercom-sync sandbox`), and the two syncs in another,
// under the heap cap the Dockerfile ships (--heap-mb, README "Memory"), so that one's peak RSS is
// the sync's. One run: full sync, a second no-change full sync, a single sequential `GET /contacts`
// cursor over the same data through the same client, then the Postgres side (our upsert of the
// same contacts vs a plain COPY, reusing bench/pg-upsert). Unless --small-contacts is 0, the same
// bench first runs in a child process at the small size, so peak RSS can be compared across sizes.
// Uses scratch databases and a scratch Redis prefix, removed at the end. Sync settings come from the
// environment as usual (SYNC_CONTACT_PARTITIONS, SYNC_CONTACT_CONCURRENCY, RATE_RESERVE_OUTBOUND, …).
// BENCH_CPU_PROFILE=DIR writes a V8 CPU profile of each sync (DIR/first.cpuprofile, DIR/resync.cpuprofile;
// one process only, not with --daemons). Its samples are wall time on the sync's thread: on a loaded
// machine a syscall that wakes Postgres or Redis (writev) looks far costlier than its CPU.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { sql, type Kysely } from 'kysely';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { readRunStreams } from '../src/db/runs.js';
import { QUEUE_NAMES } from '../src/workers/queues.js';
import { loadConfig } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { upsertContacts } from '../src/db/upsert-contacts.js';
import { mapContact } from '../src/mappers/contact.js';
import type { ContactRow } from '../src/mappers/rows.js';
import { processLogger } from '../src/app/logging.js';
import { openRuntime, type Runtime } from '../src/app/runtime.js';
import { FIXED_SYNC_SETTINGS } from '../src/sync/context.js';
import { runFullSync, type FullSyncSummary } from '../src/sync/full-sync.js';
import type { StreamResult } from '../src/sync/stream.js';
import { copyInto, dropScratch, rowsWritten, serverUrl, withAdmin } from './pg-upsert.js';
import { startSandboxProcess, type SandboxProcess, type SandboxStats } from './sandbox-process.js';

const { values: flags } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    companies: { type: 'string', default: '10000' },
    'latency-ms': { type: 'string', default: '100' },
    'rate-limit': { type: 'string', default: '10000' },
    'small-contacts': { type: 'string', default: '10000' },
    'small-companies': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'heap-mb': { type: 'string', default: '256' },
    json: { type: 'boolean', default: false },
    'import-day-share': { type: 'string', default: '0' },
    daemons: { type: 'string', default: '0' },
    'syncs-only': { type: 'boolean', default: false },
    /** Internal: run only the two syncs, in this (child) process, and print their figures as JSON. */
    syncs: { type: 'string' },
  },
});
const heapMb = int(flags['heap-mb']);
const size = { contacts: int(flags.contacts), companies: int(flags.companies) };
const small = { contacts: int(flags['small-contacts']), companies: int(flags['small-companies']) };
const latencyMs = Number(flags['latency-ms']);
const rateLimit = int(flags['rate-limit']);
const seed = int(flags.seed);
const importDayShare = Number(flags['import-day-share']);
if (!(importDayShare >= 0 && importDayShare <= 1))
  throw new Error(`--import-day-share must be 0–1, got '${flags['import-day-share']}'`);
const daemonCount = int(flags.daemons);
const syncsOnly = flags['syncs-only'];

function int(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got '${value}'`);
  return n;
}

const say = (line: string) => process.stderr.write(`[full-sync ${size.contacts}] ${line}\n`);
const seconds = (startMs: number) => (performance.now() - startMs) / 1000;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

interface SyncRun {
  wallS: number;
  status: string;
  streams: Record<
    string,
    { s: number; calls: number; rateLimited: number; fetched: number; written: number }
  >;
  /** API calls by sandbox route (status 2xx and others alike). */
  routes: Record<string, number>;
  peakConcurrency: number;
  rowsWritten: number;
  peakRssMb: number;
  /** Peaks sampled every 100 ms during the run (MB): V8 heap used, external (incl. array buffers). */
  peakHeapMb: number;
  peakExternalMb: number;
  /** CPU seconds during the run: this process, the sandbox, and the whole machine (busy / available). */
  cpu: { sync: number; sandbox: number; machineBusy: number; machineTotal: number };
  /** 1-minute load average at the end of the run (other work on the machine skews every figure). */
  load: number;
}

export interface BenchResult {
  size: { contacts: number; companies: number };
  latencyMs: number;
  rateLimit: number;
  settings: {
    partitions: number;
    concurrency: number;
    detailConcurrency: number;
    reserveOutbound: number;
    /** V8's heap limit in the process that ran the syncs (--heap-mb; README "Memory"). */
    heapLimitMb: number;
  };
  sandbox: { loadS: number; seedMs: number; peakRssMb: number | undefined };
  first: SyncRun;
  second: SyncRun;
  cursor: { s: number; calls: number; contacts: number };
  postgres: { upsertS: number; upsert1000S: number; copyS: number; rows: number };
  mirror: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------

/** Starts the sandbox in a child process; also reports how long it took to listen and to seed. */
async function startSandbox(): Promise<SandboxProcess & { seedMs: number; loadS: number }> {
  const started = performance.now();
  const sandbox = await startSandboxProcess([
    '--port=0',
    `--contacts=${size.contacts}`,
    `--companies=${size.companies}`,
    `--seed=${seed}`,
    `--latency-ms=${latencyMs}`,
    `--rate-limit=${rateLimit}`,
    `--import-day-share=${importDayShare}`,
  ]);
  const loadS = seconds(started);
  await new Promise((resolve) => setTimeout(resolve, 100)); // its "loaded in" line follows "listening on"
  const seedMs = Number(/loaded in (\d+) ms/.exec(sandbox.stderr())?.[1] ?? NaN);
  return { ...sandbox, seedMs, loadS };
}

/** CPU seconds used so far by a process (utime + stime from /proc), Linux only. */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return NaN;
  }
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat), Linux only. */
function machineCpu(): { busy: number; total: number } {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = ticks[3]! + (ticks[4] ?? 0);
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** The child's peak RSS (VmHWM) in MB, Linux only. */
function peakRssOf(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function sandboxStats(url: string, reset = false): Promise<SandboxStats> {
  const response = await fetch(`${url}/_sandbox/stats`);
  const stats = (await response.json()) as SandboxStats;
  if (reset) await fetch(`${url}/_sandbox/stats/reset`, { method: 'POST' });
  return stats;
}

function callsByRoute(stats: SandboxStats): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.byRoute).map(([route, statuses]) => [
      route,
      Object.values(statuses).reduce((a, b) => a + b, 0),
    ]),
  );
}

/** Waits until every backend of the runtime's pool has exited, so their statistics are flushed. */
async function waitForBackends(server: string, database: string, application: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await withAdmin(server, (admin) =>
      admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = $2',
        [database, application],
      ),
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the sync connections did not close');
}

async function runSync(
  label: string,
  open: () => Promise<Runtime>,
  sandboxUrl: string,
  sandboxPid: number | undefined,
  statsDb: Kysely<any>,
  waitClosed: () => Promise<void>,
): Promise<SyncRun> {
  const writesBefore = await rowsWritten(statsDb);
  await sandboxStats(sandboxUrl, true);
  const rt = await open();
  const progress = new Map<string, string>();
  const memory = { heap: 0, external: 0 };
  const sampler = setInterval(
    () => {
      const m = process.memoryUsage();
      memory.heap = Math.max(memory.heap, m.heapUsed / 2 ** 20);
      memory.external = Math.max(memory.external, m.external / 2 ** 20);
      if (process.env.BENCH_TRACE_MEMORY)
        say(
          `rss ${(m.rss / 2 ** 20).toFixed(0)} heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} heapTotal ${(m.heapTotal / 2 ** 20).toFixed(0)} external ${(m.external / 2 ** 20).toFixed(0)} buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)}`,
        );
    },
    process.env.BENCH_TRACE_MEMORY ? 1000 : 100,
  );
  const ticker = setInterval(
    () => say(`${label}: ${[...progress].map(([s, p]) => `${s} ${p}`).join(', ')}`),
    10_000,
  );
  const started = performance.now();
  const cpu0 = { sync: process.cpuUsage(), sandbox: cpuSecondsOf(sandboxPid), machine: machineCpu() };
  let summary: FullSyncSummary;
  try {
    summary = await runFullSync(rt, {
      trigger: 'bench',
      onProgress: (p) => progress.set(p.stream, p.total === undefined ? `${p.done}` : `${p.done}/${p.total}`),
    });
  } finally {
    clearInterval(ticker);
    clearInterval(sampler);
    await rt.close();
  }
  const wallS = seconds(started);
  const peakRssMb = maxRssMb();
  const syncCpu = process.cpuUsage(cpu0.sync);
  const machine = machineCpu();
  const cpu = {
    sync: (syncCpu.user + syncCpu.system) / 1e6,
    sandbox: cpuSecondsOf(sandboxPid) - cpu0.sandbox,
    machineBusy: machine.busy - cpu0.machine.busy,
    machineTotal: machine.total - cpu0.machine.total,
  };
  const stats = await sandboxStats(sandboxUrl);
  await waitClosed();
  const written = (await rowsWritten(statsDb)) - writesBefore;
  if (summary.status !== 'succeeded') say(`${label} ended ${summary.status}: ${summary.error}`);
  say(
    `${label}: ${summary.status} in ${wallS.toFixed(1)} s, ${stats.requests} API calls, ${written} rows written`,
  );
  const streams = Object.fromEntries(
    summary.streams.map((r: StreamResult) => [
      r.stream,
      {
        s: r.durationMs / 1000,
        calls: r.apiCalls,
        rateLimited: r.rateLimited,
        fetched: r.fetched,
        written: r.inserted + r.updated + r.deleted,
      },
    ]),
  );
  return {
    wallS,
    status: summary.status,
    streams,
    routes: callsByRoute(stats),
    peakConcurrency: stats.peakConcurrency,
    rowsWritten: written,
    peakRssMb,
    peakHeapMb: memory.heap,
    peakExternalMb: memory.external,
    cpu,
    load: loadavg()[0]!,
  };
}

/** With BENCH_CPU_PROFILE=DIR, writes a V8 CPU profile of `fn` to DIR/<label>.cpuprofile (open in Chrome DevTools). */
async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${dir}/${label}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
    say(`CPU profile of the ${label} sync written to ${dir}/${label}.cpuprofile`);
  }
}

/** One sequential cursor, one request at a time, through the sync's own client (rate budget included). */
async function sequentialCursor(
  rt: Runtime,
  sandboxUrl: string,
): Promise<{ s: number; calls: number; rows: ContactRow[] }> {
  await sandboxStats(sandboxUrl, true);
  const rows: ContactRow[] = [];
  const pages = rt.intercom.contacts.list({ perPage: 150, lane: 'inbound' });
  let waitingMs = 0;
  for (;;) {
    const t = performance.now();
    const next = await pages.next();
    waitingMs += performance.now() - t; // time in the API only; mapping below is not charged to the cursor
    if (next.done) break;
    for (const payload of next.value.items) rows.push(mapContact(payload).row);
  }
  const stats = await sandboxStats(sandboxUrl);
  return { s: waitingMs / 1000, calls: stats.requests, rows };
}

/**
 * Our upsert of `rows` into an empty mirror (batches of 150, one statement per page as the sync
 * writes, and of 1000) vs COPY into an empty table of the same shape (bench/pg-upsert). The machine
 * is shared, so the 150-row upsert and COPY are each timed twice and the faster time is kept.
 */
async function postgresSide(server: string, rows: readonly ContactRow[]): Promise<BenchResult['postgres']> {
  const name = `bench_fullsync_pg_${Date.now().toString(36)}`;
  await withAdmin(server, (admin) => admin.query(`create database ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = createDatabase({ url: url.toString(), poolSize: 1 });
  const emptyMirror = async () => {
    await sql`truncate intercom.contacts cascade`.execute(db);
    await sql`vacuum intercom.contacts`.execute(db);
  };
  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return seconds(t);
  };
  try {
    await migrateToLatest(db);
    const upserts: number[] = [];
    const copies: number[] = [];
    for (let i = 0; i < 2; i++) {
      await emptyMirror();
      upserts.push(await timed(() => upsertContacts(db, rows, { batchSize: 150 })));
      await sql`drop table if exists public.contacts_copy`.execute(db);
      copies.push(await timed(() => copyInto(url.toString(), rows)));
    }
    await emptyMirror();
    const upsert1000S = await timed(() => upsertContacts(db, rows, { batchSize: 1000 }));
    return { upsertS: Math.min(...upserts), upsert1000S, copyS: Math.min(...copies), rows: rows.length };
  } finally {
    await db.destroy();
    await withAdmin(server, (admin) => admin.query(`drop database if exists ${name} with (force)`));
  }
}

async function mirrorCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<{ t: string; n: number }>`
    select 'contacts' as t, count(*)::int as n from intercom.contacts where deleted_at is null
    union all select 'companies', count(*)::int from intercom.companies where deleted_at is null
    union all select 'notes', count(*)::int from intercom.notes where deleted_at is null
    union all select 'tags', count(*)::int from intercom.tags where deleted_at is null
    union all select 'segments', count(*)::int from intercom.segments where deleted_at is null
    union all select 'contact_tags', count(*)::int from intercom.contact_tags
    union all select 'contact_companies', count(*)::int from intercom.contact_companies`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** Where the syncs of one bench run write and read: passed to the child process that runs them. */
interface SyncTarget {
  server: string;
  database: string;
  redisUrl: string;
  prefix: string;
  application: string;
  sandboxUrl: string;
  sandboxPid?: number | undefined;
}

function benchConfig(target: SyncTarget) {
  const url = new URL(target.server);
  url.pathname = `/${target.database}`;
  return loadConfig(
    {
      ...process.env,
      DATABASE_URL: url.toString(),
      REDIS_URL: target.redisUrl,
      INTERCOM_TOKEN: 'sandbox-token',
      INTERCOM_BASE_URL: target.sandboxUrl,
      RATE_LIMIT_PER_MINUTE: String(rateLimit),
      REDIS_PREFIX: target.prefix,
      INTERCOM_WORKSPACE: 'bench',
    },
    ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN'],
  );
}

/** The first and the no-change full sync, measured in this process (the child syncsInChild starts). */
async function runSyncs(target: SyncTarget): Promise<{ first: SyncRun; second: SyncRun }> {
  if (daemonCount > 0) return runDaemonSyncs(target);
  const config = benchConfig(target);
  const statsDb = createDatabase({
    url: config.DATABASE_URL,
    poolSize: 1,
    applicationName: 'bench full-sync stats',
  });
  try {
    const log = processLogger(config, 'command');
    const open = () => openRuntime(config, { log, name: target.application });
    const waitClosed = () => waitForBackends(target.server, target.database, target.application);
    const first = await profiled('first', () =>
      runSync('first full sync', open, target.sandboxUrl, target.sandboxPid, statsDb, waitClosed),
    );
    // The first sync ends rate-bound, its last 10-second window spent: a no-change pass started at
    // once would first wait out that window. A nightly run starts on a budget the incremental syncs
    // barely touch, so the second run starts on a fresh window too (docs/intercom-api.md#windows-and-headers:
    // 10 s).
    say('waiting 10.5 s for a fresh rate window');
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const second = await profiled('resync', () =>
      runSync(
        'second (no-change) full sync',
        open,
        target.sandboxUrl,
        target.sandboxPid,
        statsDb,
        waitClosed,
      ),
    );
    return { first, second };
  } finally {
    await statsDb.destroy();
  }
}

/**
 * The two syncs as `full` jobs of `daemonCount` daemon processes sharing them (workers/shared-full-sync.ts):
 * wall time from enqueueing to the job's end, CPU summed over the daemons, peak RSS the largest.
 */
async function runDaemonSyncs(target: SyncTarget): Promise<{ first: SyncRun; second: SyncRun }> {
  const config = benchConfig(target);
  const statsDb = createDatabase({
    url: config.DATABASE_URL,
    poolSize: 1,
    applicationName: 'bench full-sync stats',
  });
  const bin = fileURLToPath(new URL('../bin/intercom-pg-sync.js', import.meta.url));
  const env = {
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: target.redisUrl,
    INTERCOM_TOKEN: 'sandbox-token',
    INTERCOM_BASE_URL: target.sandboxUrl,
    INTERCOM_CLIENT_SECRET: 'bench-secret',
    RATE_LIMIT_PER_MINUTE: String(rateLimit),
    REDIS_PREFIX: target.prefix,
    INTERCOM_WORKSPACE: 'bench',
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  const daemons = Array.from({ length: daemonCount }, () => {
    const child = spawn(process.execPath, [bin, 'daemon', '--no-schedule', '--host', '127.0.0.1'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    child.stdout.on('data', () => undefined);
    return { child, stderr: () => stderr };
  });
  const redis = new Redis(target.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAMES.sync, { connection: redis, prefix: target.prefix });
  try {
    for (const d of daemons) {
      for (let i = 0; !d.stderr().includes('daemon listening on'); i++) {
        if (i > 600 || d.child.exitCode !== null)
          throw new Error(`a daemon did not start: ${d.stderr().slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const pids = daemons.map((d) => d.child.pid);
    const run = async (label: string): Promise<SyncRun> => {
      const writesBefore = await rowsWritten(statsDb);
      await sandboxStats(target.sandboxUrl, true);
      const cpu0 = {
        daemons: pids.map(cpuSecondsOf),
        sandbox: cpuSecondsOf(target.sandboxPid),
        machine: machineCpu(),
      };
      const started = performance.now();
      const job = await queue.add('full', { trigger: 'manual' });
      for (;;) {
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const wallS = seconds(started);
      const done = (await queue.getJob(job.id!))!;
      const summary = done.returnvalue as { runId: number } | undefined;
      const { streams } = await readRunStreams(statsDb, summary?.runId ?? -1);
      const machine = machineCpu();
      const stats = await sandboxStats(target.sandboxUrl);
      const written = (await rowsWritten(statsDb)) - writesBefore;
      const status = streams.every((r) => r.status === 'succeeded') && summary ? 'succeeded' : 'failed';
      say(
        `${label} (${daemonCount} daemons): ${status} in ${wallS.toFixed(1)} s, ${stats.requests} API calls, ${written} rows written${done.failedReason ? `: ${done.failedReason}` : ''}`,
      );
      return {
        wallS,
        status,
        streams: Object.fromEntries(
          streams.map((r) => [
            r.stream,
            {
              s: (r.duration_ms ?? 0) / 1000,
              calls: r.api_calls,
              rateLimited: r.rate_limited,
              fetched: r.fetched,
              written: r.inserted + r.updated + r.deleted,
            },
          ]),
        ),
        routes: callsByRoute(stats),
        peakConcurrency: stats.peakConcurrency,
        rowsWritten: written,
        peakRssMb: Math.max(...pids.map((pid) => peakRssOf(pid) ?? 0)),
        peakHeapMb: 0,
        peakExternalMb: 0,
        cpu: {
          sync: pids.reduce<number>((sum, pid, i) => sum + cpuSecondsOf(pid) - cpu0.daemons[i]!, 0),
          sandbox: cpuSecondsOf(target.sandboxPid) - cpu0.sandbox,
          machineBusy: machine.busy - cpu0.machine.busy,
          machineTotal: machine.total - cpu0.machine.total,
        },
        load: loadavg()[0]!,
      };
    };
    const first = await run('first full sync');
    say('waiting 10.5 s for a fresh rate window');
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const second = await run('second (no-change) full sync');
    return { first, second };
  } finally {
    await queue.close();
    redis.disconnect();
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(
      daemons.map((d) =>
        d.child.exitCode !== null ? undefined : new Promise((resolve) => d.child.once('exit', resolve)),
      ),
    );
    await statsDb.destroy();
  }
}

/**
 * Runs the two syncs in a child process under `--max-old-space-size=<heap-mb>`, the heap cap the
 * Dockerfile ships (README "Memory"), so their peak RSS is the sync's alone. The rest of the bench
 * runs here, uncapped: the cursor keeps every row for the Postgres side.
 */
async function syncsInChild(
  target: SyncTarget,
): Promise<{ first: SyncRun; second: SyncRun; heapLimitMb: number }> {
  const inherited = (process.env.NODE_OPTIONS ?? '').replace(/--max-old-space-size=\S+/g, '').trim();
  const nodeOptions = heapMb > 0 ? `${inherited} --max-old-space-size=${heapMb}`.trim() : inherited;
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    `--syncs=${JSON.stringify(target)}`,
    `--contacts=${size.contacts}`,
    `--rate-limit=${rateLimit}`,
    `--daemons=${daemonCount}`,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the sync process failed (exit ${code})`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    first: SyncRun;
    second: SyncRun;
    heapLimitMb: number;
  };
}

async function bench(): Promise<BenchResult> {
  const server = serverUrl();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:63799';
  const tag = `${Date.now().toString(36)}${process.pid}`;
  const database = `bench_fullsync_${tag}`;
  const prefix = `bench-fullsync-${tag}`;
  const application = `bench full-sync ${tag}`;
  await withAdmin(server, (admin) => admin.query(`create database ${database}`));
  const url = new URL(server);
  url.pathname = `/${database}`;
  const statsDb = createDatabase({
    url: url.toString(),
    poolSize: 1,
    applicationName: 'bench full-sync stats',
  });
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  try {
    await migrateToLatest(statsDb);
    say(
      `starting the sandbox: ${size.contacts} contacts, ${size.companies} companies, ${latencyMs} ms, ${rateLimit}/min`,
    );
    sandbox = await startSandbox();
    const { url: sandboxUrl } = sandbox;
    const { first, second, heapLimitMb } = await syncsInChild({
      server,
      database,
      redisUrl,
      prefix,
      application,
      sandboxUrl,
      sandboxPid: sandbox.child.pid,
    });
    const mirror = await mirrorCounts(statsDb);

    const config = benchConfig({ server, database, redisUrl, prefix, application, sandboxUrl });
    let cursor: Awaited<ReturnType<typeof sequentialCursor>> = { s: NaN, calls: 0, rows: [] };
    let postgres: BenchResult['postgres'] = { upsertS: NaN, upsert1000S: NaN, copyS: NaN, rows: 0 };
    const sandboxPeak = peakRssOf(sandbox.child.pid);
    if (!syncsOnly) {
      say('sequential cursor: GET /contacts, per_page 150, one request at a time');
      const rt = await openRuntime(config, {
        log: processLogger(config, 'command'),
        name: application,
      });
      try {
        cursor = await sequentialCursor(rt, sandboxUrl);
      } finally {
        await rt.close();
      }
      say(
        `sequential cursor: ${cursor.rows.length} contacts in ${cursor.s.toFixed(1)} s (${cursor.calls} calls)`,
      );
      say('postgres: upsert vs COPY of the same contacts');
      postgres = await postgresSide(server, cursor.rows);
    }
    return {
      size,
      latencyMs,
      rateLimit,
      settings: {
        partitions: config.SYNC_CONTACT_PARTITIONS,
        concurrency: config.SYNC_CONTACT_CONCURRENCY,
        detailConcurrency: FIXED_SYNC_SETTINGS.detailConcurrency,
        reserveOutbound: config.RATE_RESERVE_OUTBOUND,
        heapLimitMb,
      },
      sandbox: { loadS: sandbox.loadS, seedMs: sandbox.seedMs, peakRssMb: sandboxPeak },
      first,
      second,
      cursor: { s: cursor.s, calls: cursor.calls, contacts: cursor.rows.length },
      postgres,
      mirror,
    };
  } finally {
    sandbox?.child.kill('SIGTERM');
    await statsDb.destroy();
    await dropScratch(server, database, redisUrl, prefix);
  }
}

/** Runs this bench at the small size in a child process (its own peak RSS) and returns its figures. */
async function smallRun(): Promise<BenchResult> {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    `--contacts=${small.contacts}`,
    `--companies=${small.companies}`,
    `--latency-ms=${latencyMs}`,
    `--rate-limit=${rateLimit}`,
    `--seed=${seed}`,
    `--heap-mb=${heapMb}`,
    `--import-day-share=${importDayShare}`,
    `--daemons=${daemonCount}`,
    '--small-contacts=0',
    '--json',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the ${small.contacts}-contact run failed (exit ${code})`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as BenchResult;
}

// ---------------------------------------------------------------------------------------------

interface Derived {
  contactsS: number;
  contactsCalls: number;
  searchCalls: number;
  notesCalls: number;
  cutListCalls: number;
  boundS: number;
  ratioA: number;
  ratioB: number;
  ratioB2: number;
  /** The first sync's contact-phase calls made one at a time at the cursor's measured time per call. */
  sequentialSameCallsS: number;
  ratioB3: number;
  pgRatio: number;
}

function derive(r: BenchResult): Derived {
  const c = r.first.streams.contacts!;
  const routes = r.first.routes;
  const bound = c.calls / (r.rateLimit / 60);
  return {
    contactsS: c.s,
    contactsCalls: c.calls,
    searchCalls: routes['POST /contacts/search'] ?? 0,
    notesCalls: routes['GET /contacts/:id/notes'] ?? 0,
    cutListCalls: (routes['GET /contacts/:id/tags'] ?? 0) + (routes['GET /contacts/:id/companies'] ?? 0),
    boundS: bound,
    ratioA: c.s / bound,
    ratioB: r.cursor.s / c.s,
    ratioB2: r.cursor.s / r.second.streams.contacts!.s,
    sequentialSameCallsS: (r.cursor.s / r.cursor.calls) * c.calls,
    ratioB3: ((r.cursor.s / r.cursor.calls) * c.calls) / c.s,
    pgRatio: r.postgres.upsertS / r.postgres.copyS,
  };
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const mb = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n)} MB`);

function report(r: BenchResult, smallResult?: BenchResult): void {
  const d = derive(r);
  const first = r.first;
  const s = (name: string) =>
    first.streams[name] ?? { s: 0, calls: 0, rateLimited: 0, fetched: 0, written: 0 };
  const routes = (run: SyncRun) =>
    Object.entries(run.routes)
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(
    `full-sync benchmark: ${r.size.contacts} contacts, ${r.size.companies} companies, latency ${r.latencyMs} ms, ` +
      `rate limit ${r.rateLimit}/min (${f1(r.rateLimit / 60)}/s), partitions ${r.settings.partitions}, ` +
      `concurrency ${r.settings.concurrency}, detail concurrency ${r.settings.detailConcurrency}, ` +
      `outbound reserve ${r.settings.reserveOutbound}, import-day share ${importDayShare}, ` +
      `${daemonCount > 0 ? `${daemonCount} daemons sharing each sync` : 'one process'}, syncs run in a child process with ` +
      `${heapMb > 0 ? `--max-old-space-size=${heapMb}` : 'no heap cap'} (V8 heap limit ${Math.round(r.settings.heapLimitMb)} MB; ` +
      `--heap-mb, the Dockerfile's setting, README "Memory")`,
  );
  out();
  out('phase                wall s    API calls   records   records/s   notes');
  const row = (phase: string, wall: number | string, calls: number, records: number | string, note = '') => {
    const rate =
      typeof wall === 'number' && typeof records === 'number' && wall > 0 ? f1(records / wall) : '';
    out(
      `${phase.padEnd(20)} ${(typeof wall === 'number' ? f1(wall) : wall).padStart(6)} ${String(calls).padStart(12)} ` +
        `${String(records).padStart(9)} ${rate.padStart(11)}   ${note}`,
    );
  };
  row(
    'sandbox load',
    r.sandbox.loadS,
    0,
    r.size.contacts + r.size.companies,
    `seeding ${r.sandbox.seedMs} ms (child process)`,
  );
  row(
    'tags/segments',
    Math.max(s('tags').s, s('segments').s),
    s('tags').calls + s('segments').calls,
    s('tags').fetched + s('segments').fetched,
    'run in parallel',
  );
  row(
    'companies',
    s('companies').s,
    s('companies').calls,
    s('companies').fetched,
    'scroll, in parallel with contacts',
  );
  row(
    'contacts',
    s('contacts').s,
    s('contacts').calls,
    s('contacts').fetched,
    `search pages ${d.searchCalls}, notes ${d.notesCalls}, cut tag/company lists ${d.cutListCalls}`,
  );
  row(
    'notes',
    'inside',
    d.notesCalls,
    s('notes').fetched,
    'read per page inside the contacts phase; its calls are in that phase',
  );
  row(
    'first sync total',
    first.wallS,
    Object.values(first.routes).reduce((a, b) => a + b, 0),
    Object.values(first.streams).reduce((a, b) => a + b.fetched, 0),
    `429s ${Object.values(first.streams).reduce((a, b) => a + b.rateLimited, 0)}, peak in flight ${first.peakConcurrency}`,
  );
  row(
    'second sync total',
    r.second.wallS,
    Object.values(r.second.routes).reduce((a, b) => a + b, 0),
    Object.values(r.second.streams).reduce((a, b) => a + b.fetched, 0),
    `contacts phase ${f1(r.second.streams.contacts!.s)} s, companies ${f1(r.second.streams.companies!.s)} s`,
  );
  if (!syncsOnly)
    row(
      'sequential cursor',
      r.cursor.s,
      r.cursor.calls,
      r.cursor.contacts,
      'GET /contacts per_page 150, one at a time',
    );
  out();
  out(`first sync calls by route: ${routes(first)}`);
  out(`second sync calls by route: ${routes(r.second)}`);
  const cpuLine = (run: SyncRun) =>
    `sync ${f1(run.cpu.sync)} s, sandbox ${f1(run.cpu.sandbox)} s, machine busy ${f1(run.cpu.machineBusy)} of ${f1(run.cpu.machineTotal)} s ` +
    `(${Math.round((100 * run.cpu.machineBusy) / run.cpu.machineTotal)}% of ${cpus().length} CPUs; Postgres and anything else running ` +
    `are the rest), load average ${f1(run.load)} at the end`;
  out(`CPU, first sync: ${cpuLine(first)}`);
  out(`CPU, second sync: ${cpuLine(r.second)}`);
  out(
    `sync process memory peaks: first sync RSS ${mb(first.peakRssMb)}, heap used ${mb(first.peakHeapMb)}, external ${mb(first.peakExternalMb)}; ` +
      `second sync RSS ${mb(r.second.peakRssMb)}, heap used ${mb(r.second.peakHeapMb)}, external ${mb(r.second.peakExternalMb)}`,
  );
  out(
    `mirror after the runs: ${Object.entries(r.mirror)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out(
    `rows written (pg_stat_user_tables, intercom.*): first sync ${first.rowsWritten}, second sync ${r.second.rowsWritten}`,
  );
  if (syncsOnly) out('sequential cursor and postgres upsert vs COPY: skipped (--syncs-only)');
  else
    out(
      `postgres: upsert of ${r.postgres.rows} contacts into an empty mirror ${f2(r.postgres.upsertS)} s in batches of 150 ` +
        `(${f2(r.postgres.upsert1000S)} s in batches of 1000), COPY into an empty table ${f2(r.postgres.copyS)} s (best of 2 each)`,
    );
  out(`sandbox process peak RSS ${mb(r.sandbox.peakRssMb)} (not counted below)`);
  out();
  const target = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rssFlat = smallResult ? r.first.peakRssMb / smallResult.first.peakRssMb : undefined;
  const peak = Math.max(r.first.peakRssMb, r.second.peakRssMb);
  out('measure                                          value      target    ');
  const t = (name: string, value: string, goal: string, ok: boolean | undefined) =>
    out(`${name.padEnd(48)} ${value.padStart(9)}   ${goal.padEnd(9)} ${ok === undefined ? '' : target(ok)}`);
  // Issue 15's measures: the whole first sync against the bound of all its calls, and CPU per contact.
  const firstCalls = Object.values(first.routes).reduce((a, b) => a + b, 0);
  const firstBound = firstCalls / (r.rateLimit / 60);
  const wholeRatio = first.wallS / firstBound;
  const wholeGoal = importDayShare > 0 || daemonCount > 0 || r.size.contacts >= 1_000_000 ? 1.2 : 1.1;
  t(
    `first full sync / rate-limit bound (every call)`,
    f2(wholeRatio),
    `<= ${wholeGoal}`,
    wholeRatio <= wholeGoal,
  );
  out(
    `    ${f1(first.wallS)} s / (${firstCalls} calls / ${f1(r.rateLimit / 60)} per s = ${f1(firstBound)} s)`,
  );
  const perContact = (run: SyncRun) => (1000 * run.cpu.sync) / r.size.contacts;
  t(
    `sync CPU per contact, first sync (ms)`,
    perContact(first).toFixed(3),
    '<= 0.3',
    perContact(first) <= 0.3,
  );
  t(
    `sync CPU per contact, no-change resync (ms)`,
    perContact(r.second).toFixed(3),
    '<= 0.05',
    perContact(r.second) <= 0.05,
  );
  t(`(a) contacts phase / rate-limit bound`, f2(d.ratioA), '<= 1.5', d.ratioA <= 1.5);
  out(
    `    ${f1(d.contactsS)} s / (${d.contactsCalls} calls / ${f1(r.rateLimit / 60)} per s = ${f1(d.boundS)} s)`,
  );
  if (!syncsOnly) {
    t(`(b) sequential cursor / first sync contacts phase`, f2(d.ratioB), '', undefined);
    out(
      `    ${f1(r.cursor.s)} s / ${f1(d.contactsS)} s: not like for like, the cursor makes ${r.cursor.calls} calls and reads no notes ` +
        `or cut lists, the first sync makes ${d.contactsCalls}; compared on equal work in the two lines below`,
    );
    t(`(b) same, vs the second (no-change) sync`, f2(d.ratioB2), '>= 8', d.ratioB2 >= 8);
    out(
      `    ${f1(r.cursor.s)} s / ${f1(r.second.streams.contacts!.s)} s (the same contact pages and nothing else: like for like)`,
    );
    t(`(b) first sync vs its own calls one at a time`, f2(d.ratioB3), '>= 8', d.ratioB3 >= 8);
    out(
      `    estimate, not measured: ${d.contactsCalls} calls x ${f1((1000 * r.cursor.s) / r.cursor.calls)} ms (the cursor's time per call) = ` +
        `${f1(d.sequentialSameCallsS)} s / ${f1(d.contactsS)} s`,
    );
  }
  if (!syncsOnly) t(`postgres upsert / COPY`, f2(d.pgRatio), '<= 2.5', d.pgRatio <= 2.5);
  t(`rows written by the second sync`, String(r.second.rowsWritten), '0', r.second.rowsWritten === 0);
  t(`peak RSS of the sync process`, mb(peak), '< 300 MB', peak < 300);
  if (smallResult) {
    t(
      `peak RSS at ${smallResult.size.contacts} contacts (first sync)`,
      mb(smallResult.first.peakRssMb),
      '',
      undefined,
    );
    t(`peak RSS at ${r.size.contacts} contacts (first sync)`, mb(r.first.peakRssMb), '', undefined);
    t(
      `RSS growth ${smallResult.size.contacts} -> ${r.size.contacts} contacts`,
      `x${f2(rssFlat!)}`,
      'flat',
      rssFlat! <= 1.25,
    );
    const sd = derive(smallResult);
    out(
      `    at ${smallResult.size.contacts}: contacts phase ${f1(sd.contactsS)} s, (a) ${f2(sd.ratioA)}, (b) ${f2(sd.ratioB)} / ` +
        `${f2(sd.ratioB2)} (no-change), postgres ${f2(sd.pgRatio)}, second-run writes ${smallResult.second.rowsWritten}`,
    );
  }
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  if (flags.syncs) {
    const runs = await runSyncs(JSON.parse(flags.syncs) as SyncTarget);
    console.log(JSON.stringify({ ...runs, heapLimitMb: getHeapStatistics().heap_size_limit / 2 ** 20 }));
    return;
  }
  const smallResult = small.contacts > 0 && small.contacts < size.contacts ? await smallRun() : undefined;
  const result = await bench();
  if (flags.json) console.log(JSON.stringify(result));
  else report(result, smallResult);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
