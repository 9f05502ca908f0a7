// Webhook benchmark: a daemon in its own process (`node bin/intercom-pg-sync.js daemon`) on loopback,
// fed signed notifications in the live shapes (the sandbox's item renderer: ISO timestamps with
// milliseconds, the items' own keys, one in ten a `contact.unsubscribed` wrapper) by an open-loop
// load generator (undici, keep-alive). Prints the acknowledgement latency at 500 deliveries/s and
// the end-to-end latency (delivery → row committed in Postgres, seen through LISTEN/NOTIFY) at
// 200/s, each sustained 30 s; the Intercom API calls applying them cost (target 0: every delivery
// carries its record); the daemon's event-loop delay while acknowledging, its peak RSS and CPU time
// per delivery (steadier than latencies on a shared machine); and deliveries lost (must be 0).
//
// Usage: npm run bench:webhooks [-- --ack-rate 500 --e2e-rate 200 --seconds 30 --contacts 2000 --profile dir]
// Needs Postgres and Redis: DATABASE_URL/REDIS_URL, or the project-local ones (scripts/services.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { Pool } from 'undici';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { signBody } from '../src/http/signature.js';
import { startSandbox } from '../src/sandbox/server.js';
import { WebhookItems } from '../src/sandbox/webhook-items.js';
import { isoTimestamp } from '../src/sandbox/webhook-time.js';
import { localServices } from '../scripts/local-services.js';

const { values: args } = parseArgs({
  options: {
    'ack-rate': { type: 'string', default: '500' },
    'e2e-rate': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    contacts: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '32' },
    /** Write a V8 CPU profile of the daemon into this directory (open it in Chrome DevTools). */
    profile: { type: 'string' },
  },
});
const ACK_RATE = Number(args['ack-rate']);
const E2E_RATE = Number(args['e2e-rate']);
const SECONDS = Number(args.seconds);
const CONTACTS = Number(args.contacts);
const TARGETS = { ackP99: 20, e2eP99: 250 };
const SECRET = 'bench-client-secret';
const say = (line: string) => console.error(`· ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function describe(label: string, samples: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const figures = { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
  console.log(
    `${label.padEnd(44)} p50 ${figures.p50.toFixed(1).padStart(6)} ms   p99 ${figures.p99.toFixed(1).padStart(6)} ms   max ${figures.max.toFixed(1).padStart(7)} ms   (n=${samples.length})`,
  );
  return figures;
}

/**
 * CPU time (user + system) a Linux process has used, in ms; null where /proc is not available.
 * Less sensitive to a shared machine's load than the latencies: what each delivery costs the daemon.
 */
function cpuMs(pid: number): number | null {
  try {
    // Fields 14 and 15 (utime, stime) after the parenthesised command name, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Peak resident set of a Linux process (VmHWM), in MB; null where /proc is not available. */
function peakRssMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Calls `send(i, scheduledAt)` `rate` times a second for `seconds`, on schedule whatever the
 * responses do (open loop: a slow server does not slow the generator, so its delays are measured).
 */
async function openLoop(
  rate: number,
  seconds: number,
  send: (i: number, scheduledAt: number) => void,
): Promise<void> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; i < due; i++) send(i, start + i * interval);
    await sleep(Math.max(0, start + i * interval - performance.now()));
  }
}

interface Delivery {
  readonly status: number | 'error';
  /** From the scheduled send time (includes any wait in the generator) and from the actual send. */
  readonly fromSchedule: number;
  readonly fromSend: number;
}

const { database: serverUrl, redis: redisUrl } = localServices();
const tag = `${Date.now().toString(36)}${process.pid}`;
const dbName = `bench_webhooks_${tag}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${dbName}`;
const db = createDatabase({ url: dbUrl.toString(), poolSize: 2, applicationName: 'bench webhooks' });
let daemon: ChildProcess | undefined;
const sandbox = await startSandbox({
  contacts: CONTACTS,
  companies: Math.ceil(CONTACTS / 20),
  seed: 3,
  rateLimit: 0,
});
const listener = new pg.Client({ connectionString: dbUrl.toString() });

try {
  await migrateToLatest(db);
  // Bench-only: a notification at commit for every mirrored contact write with a marker name.
  await sql`
    create function bench_contact_committed() returns trigger language plpgsql as $$
    begin
      if new.name like 'e2e-%' then perform pg_notify('bench_e2e', new.name); end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger bench_contact_committed after insert or update on intercom.contacts
    for each row execute function bench_contact_committed()`.execute(db);

  // Realistic items: the sandbox's contacts as its live-shaped webhook items carry them.
  const renderer = new WebhookItems(sandbox.store);
  const items = [...sandbox.store.contacts.values()]
    .filter((c) => c.state === 'active')
    .map((c) => renderer.contact(c));

  const bin = fileURLToPath(new URL('../bin/intercom-pg-sync.js', import.meta.url));
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  daemon = spawn(
    process.execPath,
    [...profile, bin, 'daemon', '--host', '127.0.0.1', '--no-schedule', '--grace-ms', '5000'],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: `bench-webhooks-${tag}`,
        INTERCOM_WORKSPACE: `bench-${tag}`,
        INTERCOM_TOKEN: sandbox.options.token,
        INTERCOM_BASE_URL: sandbox.url,
        INTERCOM_CLIENT_SECRET: SECRET,
        PORT: '0',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    },
  );
  let stderr = '';
  daemon.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // It binds a free port and names it: `intercom-sync daemon listening on <url> (webhooks at …)`.
  let listening: RegExpExecArray | null;
  for (const deadline = Date.now() + 30_000; !(listening = /daemon listening on (\S+) \(/.exec(stderr));) {
    if (daemon.exitCode !== null || Date.now() > deadline)
      throw new Error(`the daemon did not start:\n${stderr}`);
    await sleep(50);
  }
  const pid = daemon.pid!;
  const baseUrl = listening[1]!;
  say(`daemon pid ${pid} on ${baseUrl}; ${items.length} contacts; ${os()} `);

  const pool = new Pool(baseUrl, { connections: Number(args.connections), keepAliveTimeout: 60_000 });
  let sequence = 0;
  const sent = new Set<string>();
  // Far enough in the past that clock + sequence never reaches now: a future updated_at is clamped.
  const clock = Math.floor(Date.now() / 1000) - 86_400;
  /**
   * A contact update whose updated_at (ISO, with milliseconds, as live) grows each time, so every
   * one is newer and really written; one in ten comes as the subscription topic's wrapper.
   */
  const update = (index: number, name: string) => {
    sequence += 1;
    const base = items[index % items.length]!;
    const id = `notif_bench_${tag}_${sequence}`;
    sent.add(id);
    const contact = { ...base, name, updated_at: isoTimestamp(clock + sequence, `${id}:updated_at`) };
    const wrapped = sequence % 10 === 0;
    return JSON.stringify({
      type: 'notification_event',
      app_id: sandbox.options.appId,
      data: {
        type: 'notification_event_data',
        item: wrapped
          ? {
              type: 'contact_unsubscribe',
              contact,
              subscription_types: { type: 'list', data: [] },
              created_at: clock,
            }
          : contact,
      },
      links: {},
      id,
      topic: wrapped ? 'contact.unsubscribed' : `contact.${String(base.role)}.updated`,
      delivery_status: 'pending',
      delivery_attempts: 1,
      delivered_at: 0,
      first_sent_at: clock,
      created_at: clock,
      self: null,
    });
  };
  const deliver = async (body: string, scheduledAt: number): Promise<Delivery> => {
    const sentAt = performance.now();
    try {
      const response = await pool.request({
        path: '/webhooks/intercom',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(body, SECRET) },
        body,
      });
      await response.body.dump();
      const now = performance.now();
      return { status: response.statusCode, fromSchedule: now - scheduledAt, fromSend: now - sentAt };
    } catch {
      const now = performance.now();
      return { status: 'error', fromSchedule: now - scheduledAt, fromSend: now - sentAt };
    }
  };
  const pending = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from intercom_sync.webhook_events where status = 'received'`.execute(db)
      ).rows[0]!.n,
    );
  const drain = async (what: string) => {
    const started = Date.now();
    while ((await pending()) > 0) {
      if (Date.now() - started > 120_000) throw new Error(`${what}: the workers did not drain in 2 minutes`);
      await sleep(100);
    }
  };

  // Warm-up: every contact into the mirror, so the measured phases are updates (and JIT is warm).
  say(`warm-up: ${items.length} deliveries at 400/s`);
  const warm: Promise<Delivery>[] = [];
  await openLoop(400, items.length / 400, (i, at) => warm.push(deliver(update(i, `warm ${i}`), at)));
  await Promise.all(warm);
  await drain('warm-up');
  // From here on every delivery carries a contact the mirror has: applying one should cost no call.
  sandbox.stats.reset();
  const cpuBefore = cpuMs(pid);
  // prom-client's event-loop delay figures cover the time since the previous scrape: this one
  // starts the ack phase's window.
  await eventLoopDelay(baseUrl);

  // Phase 1: acknowledgement latency at ACK_RATE.
  say(`acknowledgement: ${ACK_RATE}/s for ${SECONDS} s`);
  const acks: Promise<Delivery>[] = [];
  await openLoop(ACK_RATE, SECONDS, (i, at) => acks.push(deliver(update(i, `ack ${i}`), at)));
  const ackResults = await Promise.all(acks);
  const ackLoopDelay = await eventLoopDelay(baseUrl);
  const ackBacklog = await pending();
  await drain('acknowledgement phase');

  // Phase 2: end to end at E2E_RATE — from the scheduled send to the commit notification.
  await listener.connect();
  await listener.query('listen bench_e2e');
  const committed = new Map<number, number>();
  listener.on('notification', (message) => {
    const seq = Number(message.payload?.slice(4));
    if (!committed.has(seq)) committed.set(seq, performance.now());
  });
  say(`end to end: ${E2E_RATE}/s for ${SECONDS} s`);
  const scheduled = new Map<number, number>();
  const e2e: Promise<Delivery>[] = [];
  await openLoop(E2E_RATE, SECONDS, (i, at) => {
    scheduled.set(i, at);
    e2e.push(deliver(update(i, `e2e-${i}`), at));
  });
  const e2eResults = await Promise.all(e2e);
  await drain('end-to-end phase');
  await sleep(500);
  const e2eLatency = [...scheduled].flatMap(([seq, at]) =>
    committed.has(seq) ? [committed.get(seq)! - at] : [],
  );
  await pool.close();

  // Lost: sent but not stored, or stored but never applied.
  const stored = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from intercom_sync.webhook_events
    where notification_id like ${`notif_bench_${tag}_%`} group by status`.execute(db);
  const byStatus = Object.fromEntries(stored.rows.map((r) => [r.status, r.n]));
  const storedTotal = stored.rows.reduce((sum, r) => sum + r.n, 0);
  const rss = peakRssMb(pid);
  const cpuAfter = cpuMs(pid);
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const apiCalls = sandbox.stats.snapshot();
  const measured = ackResults.length + e2eResults.length;

  console.log('');
  console.log(`webhooks benchmark — daemon in its own process, loopback, ${os()}`);
  const ack = describe(
    `ack latency @ ${ACK_RATE}/s x ${SECONDS} s (from schedule)`,
    ackResults.map((r) => r.fromSchedule),
  );
  describe(
    `ack latency @ ${ACK_RATE}/s x ${SECONDS} s (from send)`,
    ackResults.map((r) => r.fromSend),
  );
  describe(
    `ack latency @ ${E2E_RATE}/s (end-to-end phase)`,
    e2eResults.map((r) => r.fromSchedule),
  );
  const end = describe(`delivery → row committed @ ${E2E_RATE}/s x ${SECONDS} s`, e2eLatency);
  const failedAcks = [...ackResults, ...e2eResults].filter((r) => r.status !== 200).length;
  const lost = sent.size - (byStatus.applied ?? 0);
  console.log(
    `API calls applying ${measured} deliveries     ${apiCalls.requests} (${(apiCalls.requests / Math.max(1, measured)).toFixed(3)} per delivery)` +
      (apiCalls.requests > 0 ? ` ${JSON.stringify(apiCalls.byRoute)}` : ''),
  );
  console.log(`worker backlog when the ack phase ended      ${ackBacklog} events`);
  console.log(
    `daemon event-loop delay in the ack phase     p50 ${ackLoopDelay.p50.toFixed(1)} ms   p99 ${ackLoopDelay.p99.toFixed(1)} ms   max ${ackLoopDelay.max.toFixed(1)} ms`,
  );
  console.log(
    `daemon CPU (user+system) for both phases     ${cpu === null ? 'n/a' : `${(cpu / 1000).toFixed(1)} s (${(cpu / measured).toFixed(2)} ms per delivery, stored and applied)`}`,
  );
  console.log(
    `daemon peak RSS (VmHWM)                      ${rss === null ? 'n/a' : `${rss.toFixed(0)} MB`}`,
  );
  console.log(
    `deliveries: ${sent.size} sent, ${failedAcks} not acknowledged 200, ${storedTotal} stored, ${byStatus.applied ?? 0} applied, ` +
      `${e2eLatency.length}/${scheduled.size} end-to-end commits seen; lost ${lost}`,
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `targets: ack p99 < ${TARGETS.ackP99} ms ${verdict(ack.p99 < TARGETS.ackP99)}; end-to-end p99 < ${TARGETS.e2eP99} ms ` +
      `${verdict(end.p99 < TARGETS.e2eP99)}; 0 API calls per delivery ${verdict(apiCalls.requests === 0)}; ` +
      `no delivery lost ${verdict(lost === 0 && failedAcks === 0)}`,
  );
  process.exitCode = lost === 0 && failedAcks === 0 ? 0 : 1;
} finally {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon!.once('exit', resolve));
    daemon.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  await listener.end().catch(() => undefined);
  await db.destroy();
  await sandbox.close();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}

/**
 * The daemon's event-loop delay since the previous call, from its /metrics (prom-client samples it
 * with perf_hooks' monitorEventLoopDelay, 10 ms resolution, and starts again at each scrape), in ms.
 */
async function eventLoopDelay(baseUrl: string): Promise<{ p50: number; p99: number; max: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const seconds = (name: string) =>
    Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { p50: seconds('p50') * 1000, p99: seconds('p99') * 1000, max: seconds('max') * 1000 };
}

function os(): string {
  const cpus = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? '?';
    } catch {
      return '?';
    }
  })();
  return `${cpus} cores, node ${process.version}`;
}
