// One chaos round (docs/chaos.md): a sandbox in its own process, a Postgres cluster of its own (so
// restarting it touches nothing else), a Redis of its own (so FLUSHALL touches nothing else), two
// daemons behind a load balancer and a full sync that keeps running; then writers and faults for
// `chaosSeconds`, a bounded settle, and the figures.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Prng } from '../../src/sandbox/prng.js';
import { startSandboxProcess } from '../../bench/sandbox-process.js';
import type { SandboxOptionsInput } from '../../src/sandbox/options.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { runCli } from '../../test/support/cli.js';
import { TEST_TIMINGS } from '../../test/support/harness-env.js';
import { startOwnPostgres, type OwnPostgres } from '../../test/support/own-postgres.js';
import { startOwnRedis } from '../../test/support/own-redis.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';
import { uniqueName, type TestDatabase } from '../../test/support/services.js';
import { injectFaults, type FaultCounts } from './faults.js';
import { Fleet } from './fleet.js';
import { judge, type Verdict } from './judge.js';
import { Oracle } from './oracle.js';
import { bothSidesWriter, localWriter, planWork, remoteWriter, type Mirrored } from './workload.js';

export interface ChaosOptions {
  readonly seed: number;
  readonly chaosSeconds: number;
  /** Upper bound on the settle; a run not settled by then is reported as such. */
  readonly settleSeconds: number;
  readonly contacts: number;
  /** Fraction of API calls answered 5xx, timed out or (reads) cut short while the faults run. */
  readonly faultRate: number;
  /** Mean seconds between two process/Redis/Postgres faults. */
  readonly faultEverySeconds: number;
  readonly localPerSecond: number;
  readonly remotePerSecond: number;
  readonly log?: (line: string) => void;
  /** Run the sandbox in this process (the small round in the test command) instead of its own. */
  readonly inProcessSandbox?: boolean;
  /** Leave the run's Postgres cluster behind, stopped, for a post-mortem (how to start it is logged). */
  readonly keepDatabase?: boolean;
  /** Port of the round's own Postgres cluster; default one the system picks. */
  readonly postgresPort?: number;
}

export interface ChaosResult {
  readonly seed: number;
  readonly verdict: Verdict;
  readonly faults: FaultCounts;
  readonly settled: boolean;
  readonly settleMs: number;
  readonly verify: {
    clean: boolean;
    differences: number;
    duplicates: number;
    interruptedRuns: number;
    error?: string;
  };
  readonly syncs: { runs: number; killed: number; resumed: number };
  readonly daemonStarts: number;
  readonly writerErrors: number;
  readonly logDir: string;
  /** Nothing lost, missing or duplicated, and verify clean. */
  readonly ok: boolean;
}

const SECRET = 'chaos-client-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const begun = Date.now();
  const say = (line: string) =>
    options.log?.(`[${((Date.now() - begun) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const seed = options.seed;
  const logDir = join(tmpdir(), `chaos-${seed}-${Date.now().toString(36)}`);
  mkdirSync(logDir, { recursive: true });
  // What was started, stopped in reverse order however the round ends (a failed start too).
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse())
      await stop().catch((error: unknown) => say(`  (stopping: ${String(error)})`));
  };
  const redis = await startOwnRedis();
  started.push(() => redis.close());
  let postgres: OwnPostgres;
  let database: TestDatabase;
  let sandbox: { url: string; stop(): Promise<void> };
  try {
    postgres = await startOwnPostgres(
      options.postgresPort === undefined ? {} : { port: options.postgresPort },
    );
    started.push(() => postgres.close({ keepFiles: options.keepDatabase === true }));
    database = await postgres.createMigratedDatabase('chaos');
    const sandboxFlags = {
      port: 0,
      contacts: options.contacts,
      companies: Math.max(5, Math.round(options.contacts / 20)),
      seed,
      latencyMs: 10,
      rateLimit: 0,
      webhookSecret: SECRET,
      webhookRetryDelayMs: 1000,
    };
    sandbox = options.inProcessSandbox
      ? await inProcess(sandboxFlags)
      : await startSandboxProcess(Object.entries(sandboxFlags).map(([k, v]) => `--${kebab(k)}=${v}`)).then(
          (child) => ({ url: child.url, stop: async () => void child.child.kill('SIGTERM') }),
        );
    started.push(() => sandbox.stop());
  } catch (error) {
    await stopAll();
    throw error;
  }
  const pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'chaos runner' });
  pool.on('error', () => undefined);
  const control = sandboxControl(sandbox.url);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniqueName('chaos'),
    INTERCOM_WORKSPACE: uniqueName('chaos'),
    INTERCOM_TOKEN: 'sandbox-token',
    INTERCOM_BASE_URL: sandbox.url,
    INTERCOM_CLIENT_SECRET: SECRET,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...TEST_TIMINGS,
    HTTP_TIMEOUT_MS: '2000',
    SYNC_CONTACT_PARTITIONS: '4',
    SYNC_CONTACT_CONCURRENCY: '4',
    PUSH_COALESCE_MS: '200',
    JOB_LOCK_MS: '5000',
    SWEEP_EVERY_SECONDS: '3',
    PUSH_STUCK_SECONDS: '15',
    SCHEDULE_CHECK_SECONDS: '3',
    INCREMENTAL_EVERY_MINUTES: '1',
    RUN_STALE_SECONDS: '60',
  };
  const fleet = new Fleet(env, new Prng(seed * 31 + 1), logDir);
  const oracle = new Oracle();
  let writerErrors = 0;
  const onError = (error: unknown) => {
    writerErrors += 1;
    say(`  (writer/fault error: ${(error as Error).message.split('\n')[0]})`);
  };
  try {
    say(`seed ${seed}: sandbox ${sandbox.url} (${options.contacts} contacts), logs in ${logDir}`);
    // The daemons start while the first full sync runs; webhooks reach them once it is done.
    const [first] = await Promise.all([
      runCli(['sync', 'full', '--json'], env),
      ...fleet.daemons.map((slot) => fleet.startDaemon(slot)),
    ]);
    if (first.code !== 0) throw new Error(`the first full sync failed: ${first.stderr.slice(-2000)}`);
    say('first full sync done, daemons up');
    const proxy = await fleet.startProxy();
    await control('PATCH', '/settings', { webhookUrl: `${proxy}/webhooks/intercom` });
    const { rows } = await pool.query<{ id: string; intercom_id: string }>(
      `select id, intercom_id from intercom.contacts where intercom_id is not null and deleted_at is null and not archived order by id`,
    );
    const mirrored: Mirrored[] = rows.map((r) => ({ rowId: Number(r.id), intercomId: r.intercom_id }));
    const seededActive = (
      await control<{ contacts: { state: string }[] }>('GET', '/state?entity=contacts')
    ).contacts.filter((c) => c.state === 'active').length;
    const plan = planWork(new Prng(seed * 31 + 2), mirrored, {
      local: Math.floor(mirrored.length * 0.3),
      remote: Math.floor(mirrored.length * 0.3),
      both: Math.min(6, Math.floor(mirrored.length * 0.05)),
    });

    say(
      `chaos for ${options.chaosSeconds} s: ${options.faultRate * 100}% API faults (5xx, timeouts, cut bodies, lost answers), duplicated and reordered webhooks`,
    );
    await control('PATCH', '/settings', {
      faultRate: options.faultRate,
      faultKinds: ['500', '502', '503', 'timeout', 'truncated', 'lost'],
      timeoutFaultMs: 2_500,
      webhookDuplicateRate: 0.2,
      webhookReorderWindow: 6,
    });
    fleet.startSyncs();
    const chaosEnds = Date.now() + options.chaosSeconds * 1000;
    const stopped = () => Date.now() > chaosEnds;
    const writer = { pool, control, oracle, seed, plan, stopped, onError };
    const work = Promise.all([
      localWriter({ ...writer, rng: new Prng(seed * 31 + 3) }, options.localPerSecond),
      remoteWriter({ ...writer, rng: new Prng(seed * 31 + 4) }, options.remotePerSecond),
      bothSidesWriter({ ...writer, rng: new Prng(seed * 31 + 5) }, options.chaosSeconds * 1000),
    ]);
    const faults = await injectFaults({
      fleet,
      rng: new Prng(seed * 31 + 6),
      pool,
      database: database.name,
      flushRedis: () => redis.flushAll(),
      postgres,
      restartRng: new Prng(seed * 31 + 7),
      stopped,
      everyMs: options.faultEverySeconds * 1000,
      onError,
    });
    say('faults stopped; waiting for the writers');
    await work;

    say('faults off; settling');
    await control('PATCH', '/settings', { faultRate: 0, webhookDuplicateRate: 0, webhookReorderWindow: 0 });
    const settleStart = Date.now();
    const settleEnds = settleStart + options.settleSeconds * 1000;
    await fleet.stopSyncs(Math.max(1_000, settleEnds - Date.now()));
    for (const slot of fleet.daemons) if (!slot.url) await fleet.startDaemon(slot);
    const settled = await settle(pool, control, settleEnds);
    const settleMs = Date.now() - settleStart;
    say(
      settled
        ? `settled in ${(settleMs / 1000).toFixed(1)} s`
        : `not settled after ${options.settleSeconds} s`,
    );

    say('judging');
    const verdict = await judge(pool, control, oracle, seededActive);
    const verify = await runVerify(env);
    const syncs = {
      runs: fleet.syncs.length,
      killed: fleet.syncs.filter((s) => s.signal === 'SIGKILL').length,
      resumed: fleet.syncs.filter((s) => s.summary?.resumed === true).length,
    };
    const ok =
      settled &&
      verdict.localLost === 0 &&
      verdict.remoteMissing === 0 &&
      verdict.bothSidesWrong === 0 &&
      verdict.duplicates === 0 &&
      verdict.extraContacts === 0 &&
      verify.clean;
    for (const line of verdict.details.slice(0, 20)) say(`  ${line}`);
    say('done; stopping everything');
    return {
      seed,
      verdict,
      faults,
      settled,
      settleMs,
      verify,
      syncs,
      daemonStarts: fleet.daemons.reduce((n, d) => n + d.starts, 0),
      writerErrors,
      logDir,
      ok,
    };
  } finally {
    await fleet.close();
    await pool.end();
    await stopAll();
    if (options.keepDatabase)
      say(
        `kept the Postgres cluster, stopped: SERVICES_DIR=${postgres.dir} PG_PORT=${postgres.port} bash scripts/services.sh pg-start, then ${database.url}`,
      );
  }
}

/**
 * Waits (until `deadline`) for nothing to be on its way: no local change pending or in flight, no
 * stored webhook unapplied, nothing the sandbox still has to deliver or retry. Then two more polls
 * a second apart must agree, since a webhook applied may still push nothing or a push may echo.
 */
async function settle(
  pool: pg.Pool,
  control: <T>(method: string, path: string, body?: unknown) => Promise<T>,
  deadline: number,
): Promise<boolean> {
  let quietPolls = 0;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ outbox: number; events: number }>(`
      select (select count(*)::int from intercom_sync.outbox where state in ('pending', 'in_flight')) as outbox,
             (select count(*)::int from intercom_sync.webhook_events where status = 'received') as events`);
    const deliveries = await control<{ pending: number; inFlight: number; retriesScheduled: number }>(
      'GET',
      '/webhooks',
    );
    const busy =
      rows[0]!.outbox +
      rows[0]!.events +
      deliveries.pending +
      deliveries.inFlight +
      deliveries.retriesScheduled;
    quietPolls = busy === 0 ? quietPolls + 1 : 0;
    if (quietPolls >= 3) return true;
    await sleep(500);
  }
  return false;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The sandbox in this process, shaped as the child-process one is used here. */
async function inProcess(input: SandboxOptionsInput): Promise<{ url: string; stop(): Promise<void> }> {
  const sandbox = await startSandbox(input);
  return { url: sandbox.url, stop: () => sandbox.close() };
}

async function runVerify(env: Record<string, string>): Promise<ChaosResult['verify']> {
  const { code, stdout, stderr } = await runCli(['verify', '--json'], env);
  try {
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      clean: boolean;
      counts: { total: number };
      duplicates: unknown[];
      interruptedRuns: unknown[];
    };
    return {
      clean: report.clean && code === 0,
      differences: report.counts.total,
      duplicates: report.duplicates.length,
      interruptedRuns: report.interruptedRuns.length,
    };
  } catch {
    return { clean: false, differences: -1, duplicates: -1, interruptedRuns: -1, error: stderr.slice(-500) };
  }
}
