// One rate budget per Intercom workspace, kept in Redis and shared by every process, queue and lane.
//
// Why a Lua script and not rate-limiter-flexible: that library counts against a limit and window we
// configure up front, but Intercom tells us the limit, the remaining count and the window end on every
// response (docs/intercom-api.md#windows-and-headers), and the budget has to adopt them as they arrive, plus
// keep a share
// for the outbound lane. Folding headers into the state atomically is one short script either way,
// so a 60-line script we own beats bending a library's model around it.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SETTING_DEFAULTS } from '../config/config.js';
import { ServiceError } from '../errors.js';
import { systemClock, type Clock } from '../clock/clock.js';
import type { RateLimitHeaders } from './rate-limit-headers.js';
import { RATE_BUDGET_SCRIPT } from './rate-budget-script.js';
import type { Lane } from './types.js';

/** What the HTTP layer needs from a budget; `RateBudget` is the shared one, tests may pass their own. */
export interface RequestBudget {
  /** Resolves when a request on this lane may be sent (waits for the next window when this one is spent). */
  take(lane: Lane, signal?: AbortSignal): Promise<void>;
  /** Folds one response's rate-limit headers into the budget. */
  observe(headers: RateLimitHeaders): Promise<void>;
}

export interface RateBudgetOptions {
  readonly redis: Redis;
  /** Intercom workspace (app) id: the unit Intercom limits (docs/intercom-api.md#rate-limits). */
  readonly workspaceId: string;
  /** Prefix of the Redis key; the key is `<prefix>:rate:<workspaceId>`. Default REDIS_PREFIX's (config). */
  readonly keyPrefix?: string;
  /** Calls per minute to assume before any X-RateLimit-Limit header has been seen. Default RATE_LIMIT_PER_MINUTE's. */
  readonly perMinute?: number;
  /**
   * Share of each window only the outbound lane may use (0–0.9), while pushes want tokens: with no
   * outbound take for a whole window, reads may use all of it. Default RATE_RESERVE_OUTBOUND's.
   */
  readonly reserveOutbound?: number;
  /** Length of Intercom's window. Default 10 000 ms; tests shorten it. */
  readonly windowMs?: number;
  /**
   * Tokens taken this close to a window's end also count against the next window, because the
   * request may reach Intercom after the reset. Cover network latency plus clock skew. Default 300 ms.
   */
  readonly guardMs?: number;
  /** Upper bound of the random delay added after a window resets, so waiters do not all wake at once. */
  readonly maxJitterMs?: number;
  /** How long one Redis call may take before the budget reports Redis unreachable. Default 5000 ms. */
  readonly redisTimeoutMs?: number;
  /**
   * Where windows are read from and waits are made. Default: Redis's TIME for windows (every
   * process agrees on it) and real timers; a clock given here is used for both.
   */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for the wake-up jitter. Default Math.random. */
  readonly random?: () => number;
}

/** The budget's view of the current window, as returned by every script call. */
export interface RateBudgetState {
  readonly limit: number;
  readonly taken: number;
  readonly windowEndMs: number;
}

/** Redis could not be reached or did not answer in time; the message names the address and the reason. */
export class RateBudgetUnavailableError extends ServiceError {
  override readonly name = 'RateBudgetUnavailableError';
  constructor(message: string) {
    super(message, { permanent: false });
  }
}

const SCRIPT_SHA = createHash('sha1').update(RATE_BUDGET_SCRIPT).digest('hex');

/**
 * The shared budget: every request takes a token before it is sent, and every response's headers
 * are folded back in. It never serialises requests: a grant is one Redis round-trip.
 * @example
 * const budget = new RateBudget({ redis, workspaceId: 'abc123', perMinute: 1000 });
 * await budget.take('inbound'); // then send the request
 */
export class RateBudget implements RequestBudget {
  readonly key: string;
  private readonly redis: Redis;
  private readonly defaultLimit: number;
  private readonly reserveOutbound: number;
  private readonly windowMs: number;
  private readonly guardMs: number;
  private readonly maxJitterMs: number;
  private readonly redisTimeoutMs: number;
  private readonly clock: Clock | undefined;
  private readonly random: () => number;
  private lastRedisError: unknown;
  /** The newest window a script reply showed this process, with the largest count seen in it. */
  private known: RateBudgetState | undefined;

  constructor(options: RateBudgetOptions) {
    this.redis = options.redis;
    this.key = `${options.keyPrefix ?? SETTING_DEFAULTS.REDIS_PREFIX}:rate:${options.workspaceId}`;
    this.windowMs = options.windowMs ?? 10_000;
    const perMinute = options.perMinute ?? SETTING_DEFAULTS.RATE_LIMIT_PER_MINUTE;
    this.defaultLimit = Math.max(1, Math.floor((perMinute * this.windowMs) / 60_000));
    this.reserveOutbound = Math.min(
      0.9,
      Math.max(0, options.reserveOutbound ?? SETTING_DEFAULTS.RATE_RESERVE_OUTBOUND),
    );
    this.guardMs = options.guardMs ?? 300;
    this.maxJitterMs = options.maxJitterMs ?? Math.min(250, this.windowMs / 20);
    this.redisTimeoutMs = options.redisTimeoutMs ?? 5000;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    // Remember why the connection failed, so a timeout can say "connection refused" rather than "timed out".
    this.redis.on('error', (error: unknown) => {
      this.lastRedisError = error;
    });
    this.redis.on('ready', () => {
      this.lastRedisError = undefined;
    });
  }

  async take(lane: Lane, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const { granted, waitMs } = await this.run(['take', lane, String(this.reserveOutbound)]);
      if (granted) return;
      // Sleep until the window resets (plus jitter), never poll: one Redis call per waiter per window.
      await (this.clock ?? systemClock).sleep(waitMs + this.random() * this.maxJitterMs, signal);
    }
  }

  async observe(headers: RateLimitHeaders): Promise<void> {
    // Headers that cannot change the state are not sent: the same window and limit as the last
    // reply showed, and no more requests counted than the budget had taken by then (it only
    // grows within a window, and the script keeps the larger count). A round trip per API call
    // saved; anything else, e.g. another app spending the workspace's limit, is still folded in.
    const known = this.known;
    if (
      known &&
      headers.resetAtMs === known.windowEndMs &&
      headers.limit === known.limit &&
      headers.remaining !== undefined &&
      known.limit - headers.remaining <= known.taken
    )
      return;
    await this.run(['observe', num(headers.limit), num(headers.remaining), num(headers.resetAtMs)]);
  }

  /** The current window as Redis sees it (for status output and tests); does not take a token. */
  async state(): Promise<RateBudgetState> {
    const { limit, taken, windowEndMs } = await this.run(['observe', '', '', '']);
    return { limit, taken, windowEndMs };
  }

  private async run(
    args: readonly string[],
  ): Promise<RateBudgetState & { granted: boolean; waitMs: number }> {
    const ttlMs = Math.max(60_000, this.windowMs * 6);
    const nowMs = this.clock ? String(this.clock.now()) : '';
    const argv = [
      args[0]!,
      this.windowMs,
      this.defaultLimit,
      this.guardMs,
      ttlMs,
      nowMs,
      ...args.slice(1),
    ].map(String);
    const call = this.evaluate(argv);
    call.catch(() => undefined); // may settle after the timeout below has already answered
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(this.unavailable(`no answer within ${this.redisTimeoutMs} ms`)),
        this.redisTimeoutMs,
      );
    });
    try {
      const reply = await Promise.race([call, timeout]);
      const [granted, waitMs, limit, taken, windowEndMs] = reply.map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const known = this.known;
      if (
        !known ||
        windowEndMs > known.windowEndMs ||
        (windowEndMs === known.windowEndMs && limit !== known.limit)
      )
        this.known = { limit, taken, windowEndMs };
      else if (windowEndMs === known.windowEndMs && taken > known.taken)
        this.known = { limit, taken, windowEndMs };
      return { granted: granted === 1, waitMs, limit, taken, windowEndMs };
    } catch (error) {
      if (error instanceof RateBudgetUnavailableError || !isConnectionError(error)) throw error;
      this.lastRedisError ??= error;
      throw this.unavailable('connection lost');
    } finally {
      clearTimeout(timer);
    }
  }

  private async evaluate(argv: readonly string[]): Promise<unknown[]> {
    try {
      return (await this.redis.evalsha(SCRIPT_SHA, 1, this.key, ...argv)) as unknown[];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(RATE_BUDGET_SCRIPT, 1, this.key, ...argv)) as unknown[];
    }
  }

  private unavailable(fallbackReason: string): RateBudgetUnavailableError {
    const { host = 'localhost', port = 6379, path } = this.redis.options;
    const where = path ?? `${host}:${port}`;
    const reason = this.lastRedisError ? redisReason(this.lastRedisError) : fallbackReason;
    return new RateBudgetUnavailableError(`cannot reach Redis at ${where}: ${reason}`);
  }
}

function num(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED/i.test(error.message)
  );
}

const REDIS_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
};

function redisReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && REDIS_REASONS[code]) return REDIS_REASONS[code];
  return error instanceof Error ? error.message : String(error);
}
