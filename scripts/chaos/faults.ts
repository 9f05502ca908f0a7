// The faults of a chaos run, at seeded moments: SIGKILL of a daemon (restarted 1–3 s later) and of
// the running full sync, FLUSHALL of the run's own Redis, every Postgres connection of the system
// under test cut (pg_terminate_backend), and, on a schedule of its own, a restart of the run's own
// Postgres server (a fast stop, 1–3 s down, a start). Kills and flushes wait briefly for a push to
// be in flight, so most of them land mid-push; the sync is killed mid-run.
import type pg from 'pg';
import type { Prng } from '../../src/sandbox/prng.js';
import type { Fleet } from './fleet.js';

export type FaultKind = 'kill-daemon' | 'kill-sync' | 'flush-redis' | 'postgres' | 'restart-postgres';

export interface FaultCounts {
  readonly done: Record<FaultKind, number>;
  /** Of the daemon kills and flushes, how many hit while a push was in flight. */
  midPush: number;
  /** Sync kills that hit a running sync. */
  midSync: number;
}

export interface FaultDeps {
  readonly fleet: Fleet;
  readonly rng: Prng;
  /** The runner's own connection (not one of the system under test). */
  readonly pool: pg.Pool;
  readonly database: string;
  readonly flushRedis: () => Promise<void>;
  /** The run's own Postgres server, which a restart stops and starts. */
  readonly postgres: { stop(): Promise<void>; start(): Promise<void> };
  /** Seeds the restarts' moments (their own sequence, so the other faults keep theirs). */
  readonly restartRng: Prng;
  readonly stopped: () => boolean;
  /** Mean pause between two faults. */
  readonly everyMs: number;
  readonly onError: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a push is in flight; no while Postgres is down (restarting), the fault goes ahead. */
async function pushInFlight(pool: pg.Pool): Promise<boolean> {
  try {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from intercom_sync.outbox where state = 'in_flight'`,
    );
    return rows[0]!.n > 0;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for a push to be in flight; says whether one was. */
async function awaitPush(pool: pg.Pool, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await pushInFlight(pool)) return true;
    await sleep(20);
  }
  return false;
}

/** Runs faults until stopped; daemons killed are restarted before it returns. */
export async function injectFaults(deps: FaultDeps): Promise<FaultCounts> {
  const { fleet, rng, pool } = deps;
  const counts: FaultCounts = {
    done: { 'kill-daemon': 0, 'kill-sync': 0, 'flush-redis': 0, postgres: 0, 'restart-postgres': 0 },
    midPush: 0,
    midSync: 0,
  };
  const restarts: Promise<void>[] = [];
  let postgresDown = false;
  const postgresRestarts = restartPostgres(deps, counts, (down) => (postgresDown = down));
  const kinds: FaultKind[] = [
    'kill-daemon',
    'kill-daemon',
    'kill-sync',
    'kill-sync',
    'flush-redis',
    'postgres',
  ];
  while (!deps.stopped()) {
    await sleep(rng.int(Math.round(deps.everyMs / 2), Math.round(deps.everyMs * 1.5)));
    if (deps.stopped()) break;
    const kind = rng.pick(kinds);
    try {
      if (kind === 'kill-daemon') {
        // One daemon at a time: the other keeps serving webhooks and pushes.
        const live = fleet.live();
        if (live.length < fleet.daemons.length) continue;
        const slot = rng.pick(live);
        if (await awaitPush(pool, 3_000)) counts.midPush += 1;
        await fleet.killDaemon(slot);
        counts.done['kill-daemon'] += 1;
        const downMs = rng.int(1_000, 3_000);
        restarts.push(
          sleep(downMs)
            .then(() => fleet.startDaemon(slot))
            .catch(deps.onError),
        );
      } else if (kind === 'kill-sync') {
        if (!fleet.syncRunning()) continue;
        // Somewhere in the run: after its start-up, before its end.
        await sleep(rng.int(200, 2_500));
        if (await fleet.killSync()) {
          counts.done['kill-sync'] += 1;
          counts.midSync += 1;
        }
      } else if (kind === 'flush-redis') {
        if (await awaitPush(pool, 3_000)) counts.midPush += 1;
        await deps.flushRedis();
        counts.done['flush-redis'] += 1;
      } else if (!postgresDown) {
        await pool.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = $1 and pid <> pg_backend_pid() and application_name not like 'chaos%'`,
          [deps.database],
        );
        counts.done.postgres += 1;
      }
    } catch (error) {
      deps.onError(error);
    }
  }
  await Promise.all([...restarts, postgresRestarts]);
  return counts;
}

/**
 * Restarts the run's Postgres until stopped: the first time within the first three fault pauses,
 * then about every five. A fast stop (`pg_ctl stop -m fast`: every connection cut, open
 * transactions rolled back), 1–3 s down, then a start; the server is up again when it returns.
 */
async function restartPostgres(
  deps: FaultDeps,
  counts: FaultCounts,
  setDown: (down: boolean) => void,
): Promise<void> {
  const rng = deps.restartRng;
  let wait = rng.int(Math.round(deps.everyMs / 2), deps.everyMs * 3);
  for (;;) {
    // Slept in short steps: the round's end must not wait out a long pause.
    for (const until = Date.now() + wait; Date.now() < until && !deps.stopped();)
      await sleep(Math.min(200, until - Date.now()));
    if (deps.stopped()) return;
    try {
      setDown(true);
      await deps.postgres.stop();
      counts.done['restart-postgres'] += 1;
      await sleep(rng.int(1_000, 3_000));
    } catch (error) {
      deps.onError(error);
    } finally {
      // Up again whatever happened: the round goes on on this server.
      await deps.postgres.start().catch(deps.onError);
      setDown(false);
    }
    wait = rng.int(deps.everyMs * 3, deps.everyMs * 7);
  }
}
