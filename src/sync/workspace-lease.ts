// Workspace-wide leases in Redis, held by one process at a time across every daemon: the lock
// around the companies scroll (Intercom allows one open scroll per workspace,
// docs/intercom-api.md#one-scroll-at-a-time) and the one-full-sync-at-a-time guard.
//
// SET NX PX with a random token, renewed while the work runs, released only by its holder. A library such as redlock adds multi-master quorum we do not need with one
// Redis; the two Lua lines below are the whole algorithm.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ServiceError } from '../errors.js';
import { systemClock, type Clock } from '../clock/clock.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface Lease {
  /** Extends the lease now; false when it was lost (expired and taken by another process). */
  renew(): Promise<boolean>;
  /** Stops the renewal timer and gives the lease up. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  readonly redis: Redis;
  /** Redis key, e.g. `<prefix>:<workspace>:scroll-lock`. */
  readonly key: string;
  /**
   * Lease length (default 90 s). The holder renews it on a timer every third of it (real timers:
   * it is about this process being alive) until release, so a dead holder's lapses within it.
   */
  readonly ttlMs?: number;
  /** How long to wait for another holder before giving up. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** What the wait for another holder is measured and slept on (the lease's TTL is Redis's). */
  readonly clock?: Clock;
}

/** Another holder kept the lease past the wait (may pass once it lets go). */
export class LeaseTimeoutError extends ServiceError {
  override name = 'LeaseTimeoutError';
  constructor(message: string) {
    super(message, { permanent: false });
  }
}

/**
 * Waits for and takes the lease.
 * @example const lease = await acquireLease({ redis, key }); try { … } finally { await lease.release(); }
 */
export async function acquireLease(options: LeaseOptions): Promise<Lease> {
  const {
    redis,
    key,
    ttlMs = 90_000,
    waitMs = 10 * 60_000,
    pollMs = 500,
    signal,
    clock = systemClock,
  } = options;
  const token = randomUUID();
  const deadline = clock.now() + waitMs;
  for (;;) {
    signal?.throwIfAborted();
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (clock.now() >= deadline) {
      throw new LeaseTimeoutError(`another process has held ${key} for over ${Math.round(waitMs / 1000)} s`);
    }
    await clock.sleep(pollMs, signal);
  }
  const renew = async () => (await redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1;
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    renew,
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
