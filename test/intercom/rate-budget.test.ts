// The shared rate budget: lanes, header-following, waiting for the window, several processes, Redis
// outages. Windows run on a manual clock passed to the budget (and from it to the Lua script), so
// "waits for the next window" is checked by who sleeps until when, not by how long a test took.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IntercomClient } from '../../src/intercom/client.js';
import {
  RateBudget,
  RateBudgetUnavailableError,
  type RateBudgetOptions,
} from '../../src/intercom/rate-budget.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestRedis, uniqueName } from '../support/services.js';
import { contact, startFakeIntercom, type FakeIntercom, type Reply } from './fake-intercom.js';

let redis: Redis;
let server: FakeIntercom | undefined;

beforeAll(() => {
  redis = createTestRedis();
});
afterAll(() => {
  redis.disconnect();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const WINDOW_MS = 1000;
const GUARD_MS = 50;
/** The default wake-up jitter for a 1-s window: min(250, window / 20). */
const MAX_JITTER_MS = 50;

function budget(clock: ManualClock, options: Partial<RateBudgetOptions> = {}): RateBudget {
  return new RateBudget({
    redis,
    workspaceId: 'ws1',
    keyPrefix: uniqueName('budget'),
    windowMs: WINDOW_MS,
    guardMs: GUARD_MS,
    clock,
    ...options,
  });
}

/** A take whose settling is recorded: `at` is the clock's time when it was granted. */
function pendingTake(shared: RateBudget, lane: 'inbound' | 'outbound', clock: ManualClock) {
  const state: { at: number | undefined; done: Promise<void> } = { at: undefined, done: Promise.resolve() };
  state.done = shared.take(lane).then(() => {
    state.at = clock.now();
  });
  return state;
}

describe('lanes', () => {
  it('keeps the outbound reserve out of reach of inbound reads while pushes are waiting', async () => {
    const clock = new ManualClock();
    const windowEnd = clock.now() + WINDOW_MS;
    // 600/min over 1-s windows = 10 a window; 30 % reserved leaves inbound 7.
    const shared = budget(clock, { perMinute: 600, reserveOutbound: 0.3 });
    await shared.take('outbound'); // a push is under way: the reserve holds (its token counts)
    for (let i = 0; i < 6; i++) await shared.take('inbound');
    const eighthInbound = pendingTake(shared, 'inbound', clock);
    await clock.untilSleeping(1);
    for (let i = 0; i < 3; i++) await shared.take('outbound');
    const fifthOutbound = pendingTake(shared, 'outbound', clock);
    await clock.untilSleeping(2);
    expect([eighthInbound.at, fifthOutbound.at]).toEqual([undefined, undefined]);
    expect(await shared.state()).toMatchObject({ taken: 10, windowEndMs: windowEnd });
    // Both sleep until the reset instead of failing, and get through after it.
    expect(clock.nextWakeAt()).toBeGreaterThanOrEqual(windowEnd);
    await clock.advanceTo(windowEnd + MAX_JITTER_MS);
    await Promise.all([eighthInbound.done, fifthOutbound.done]);
    expect(eighthInbound.at).toBeGreaterThanOrEqual(windowEnd);
    expect(fifthOutbound.at).toBeGreaterThanOrEqual(windowEnd);
    expect(await shared.state()).toMatchObject({ taken: 2, windowEndMs: windowEnd + WINDOW_MS });
  });

  it('lets reads use the whole window when no push is waiting', async () => {
    const clock = new ManualClock();
    const windowEnd = clock.now() + WINDOW_MS;
    const shared = budget(clock, { perMinute: 600, reserveOutbound: 0.3 });
    for (let i = 0; i < 10; i++) await shared.take('inbound');
    expect(await shared.state()).toMatchObject({ taken: 10, windowEndMs: windowEnd });
    const eleventh = pendingTake(shared, 'inbound', clock);
    await clock.untilSleeping(1);
    expect(eleventh.at).toBeUndefined();
  });

  it('gives a push arriving mid-sync its share from the next window on, and yields it once pushes stop', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const shared = budget(clock, { perMinute: 600, reserveOutbound: 0.3, random: () => 0 });
    // A full sync has spent the whole window: no push was waiting.
    for (let i = 0; i < 10; i++) await shared.take('inbound');
    // A push arrives and waits for the reset.
    const push = pendingTake(shared, 'outbound', clock);
    await clock.untilSleeping(1);
    await clock.advanceTo(start + WINDOW_MS);
    await push.done;
    expect(push.at).toBe(start + WINDOW_MS);
    // In that window reads stop at 7 (the push's token counts): 3 stay for pushes.
    for (let i = 0; i < 6; i++) await shared.take('inbound');
    const read = pendingTake(shared, 'inbound', clock);
    await clock.untilSleeping(1);
    expect(read.at).toBeUndefined();
    for (let i = 0; i < 3; i++) await shared.take('outbound');
    expect(await shared.state()).toMatchObject({ taken: 10, windowEndMs: start + 2 * WINDOW_MS });
    // A whole window after the last push, reads may use all of the next one.
    await clock.advanceTo(start + 2 * WINDOW_MS);
    await read.done;
    for (let i = 1; i < 10; i++) await shared.take('inbound');
    expect(await shared.state()).toMatchObject({ taken: 10, windowEndMs: start + 3 * WINDOW_MS });
  });
});

describe('following the headers', () => {
  it('adopts the limit and remaining count Intercom reports', async () => {
    const clock = new ManualClock();
    const windowEnd = clock.now() + WINDOW_MS;
    const shared = budget(clock, { perMinute: 6000 });
    await shared.observe({ limit: 4, remaining: 1, resetAtMs: windowEnd });
    await shared.take('outbound');
    const next = pendingTake(shared, 'outbound', clock);
    await clock.untilSleeping(1);
    expect(next.at).toBeUndefined();
    expect(await shared.state()).toMatchObject({ limit: 4, taken: 4, windowEndMs: windowEnd });
  });

  it('sends Redis only the headers that can change the count: usage beyond our own takes is still folded in', async () => {
    const clock = new ManualClock();
    const shared = budget(clock, { perMinute: 600 });
    for (let i = 0; i < 3; i++) await shared.take('inbound');
    const { windowEndMs } = await shared.state();
    const calls = vi.spyOn(redis, 'evalsha');
    try {
      // Intercom counted 2 of our 3 requests (one still in flight): nothing new, no round trip.
      await shared.observe({ limit: 10, remaining: 8, resetAtMs: windowEndMs });
      expect(calls).not.toHaveBeenCalled();
      // Another app of the workspace spent 5 more: adopted.
      await shared.observe({ limit: 10, remaining: 2, resetAtMs: windowEndMs });
      expect(calls).toHaveBeenCalledTimes(1);
    } finally {
      calls.mockRestore();
    }
    expect(await shared.state()).toMatchObject({ limit: 10, taken: 8, windowEndMs });
  });

  it('makes every caller wait for the reset after a 429 and uses the configured limit until headers arrive', async () => {
    const clock = new ManualClock();
    const windowEnd = clock.now() + WINDOW_MS;
    const shared = budget(clock, { perMinute: 1200 });
    expect((await shared.state()).limit).toBe(20);
    await shared.observe({ remaining: 0, resetAtMs: windowEnd });
    const outbound = pendingTake(shared, 'outbound', clock);
    const inbound = pendingTake(shared, 'inbound', clock);
    await clock.untilSleeping(2);
    await clock.advanceTo(windowEnd + MAX_JITTER_MS);
    await Promise.all([outbound.done, inbound.done]);
    for (const take of [outbound, inbound]) {
      expect(take.at).toBeGreaterThanOrEqual(windowEnd);
      expect(take.at).toBeLessThanOrEqual(windowEnd + MAX_JITTER_MS);
    }
  });

  it('charges a token taken in the guard before a window ends to the next window as well', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const shared = budget(clock, { perMinute: 600 }); // 10 a window
    await clock.advanceTo(start + 100);
    await shared.take('outbound'); // well inside the window: counted once
    await clock.advanceTo(start + WINDOW_MS - GUARD_MS + 10);
    for (let i = 0; i < 3; i++) await shared.take('outbound'); // may reach Intercom after the reset
    expect((await shared.state()).taken).toBe(4);
    await clock.advanceTo(start + WINDOW_MS);
    expect(await shared.state()).toMatchObject({ taken: 3, windowEndMs: start + 2 * WINDOW_MS });
    await clock.advanceTo(start + 2 * WINDOW_MS);
    expect((await shared.state()).taken).toBe(0);
  });

  it('does not serialise requests: many are in flight at once', async () => {
    server = await startFakeIntercom((): Reply => ({ delayMs: 100, body: contact('c1') }));
    const intercom = new IntercomClient({
      token: 't',
      baseUrl: server.url,
      budget: budget(new ManualClock(), { perMinute: 6000 }),
    });
    await Promise.all(Array.from({ length: 50 }, () => intercom.contacts.get('c1')));
    await intercom.close();
    // Serialised, the server would never hold more than one; each grant is one Redis round trip.
    expect(server.peakInFlight).toBeGreaterThan(10);
  });
});

describe('one budget across processes', () => {
  it('two processes sharing a prefix never overfill a window and together use all of it', async () => {
    const limit = 50;
    const windows = 5;
    const clock = new ManualClock();
    const start = clock.now();
    const perWindow = new Map<number, number>();
    let limited = 0;
    server = await startFakeIntercom((request): Reply => {
      const window = Math.floor(request.atMs / WINDOW_MS);
      const count = (perWindow.get(window) ?? 0) + 1;
      perWindow.set(window, count);
      if (count > limit) limited++;
      const headers = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - count)),
        'x-ratelimit-reset': String(window + 1),
      };
      return count > limit
        ? {
            status: 429,
            headers,
            body: { type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'x' }] },
          }
        : { headers, body: contact('x') };
    }, clock);
    // What two processes share is Redis: each "process" has its own connection, budget and client.
    const prefix = uniqueName('hammer');
    const processes = (['inbound', 'outbound'] as const).map((lane) => {
      const connection = createTestRedis();
      const shared = new RateBudget({
        redis: connection,
        workspaceId: 'ws-shared',
        keyPrefix: prefix,
        perMinute: (limit * 60_000) / WINDOW_MS,
        windowMs: WINDOW_MS,
        reserveOutbound: 0.2,
        guardMs: 150,
        clock,
        random: () => 0,
      });
      const client = new IntercomClient({
        token: 'hammer-token',
        baseUrl: server!.url,
        budget: shared,
        maxRetries: 0,
      });
      let sent = 0;
      const workers = Array.from({ length: 10 }, async () => {
        while (clock.now() < start + windows * WINDOW_MS) {
          await client.contacts.get('x', { lane });
          sent++;
        }
      });
      return {
        lane,
        done: Promise.all(workers).then(async () => {
          await client.close();
          connection.disconnect();
          return sent;
        }),
      };
    });
    // A window is spent once all twenty workers sleep on the clock; then the next one begins.
    for (let w = 1; w <= windows; w++) {
      await clock.untilSleeping(20);
      await clock.advanceTo(start + w * WINDOW_MS);
    }
    const [inbound, outbound] = await Promise.all(processes.map((p) => p.done));

    expect(limited).toBe(0);
    const counts = [...perWindow.entries()].sort(([a], [b]) => a - b).map(([, n]) => n);
    // Every window the clock spent entirely is used to the last call; the wake-up window is partial.
    expect(counts.slice(0, windows)).toEqual(Array(windows).fill(limit));
    expect(counts.length).toBeLessThanOrEqual(windows + 1);
    expect(inbound).toBeGreaterThan(0);
    expect(outbound).toBeGreaterThan(0);
  });
});

describe('the clock the windows follow', () => {
  it("is Redis's TIME when no clock is given, so every process agrees on it", async () => {
    const shared = new RateBudget({
      redis,
      workspaceId: 'ws1',
      keyPrefix: uniqueName('budget'),
      windowMs: WINDOW_MS,
    });
    const [seconds, micros] = await redis.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const { windowEndMs } = await shared.state();
    expect(windowEndMs % WINDOW_MS).toBe(0);
    expect(windowEndMs).toBeGreaterThan(redisNow);
    expect(windowEndMs).toBeLessThanOrEqual(redisNow + 2 * WINDOW_MS);
  });
});

describe('when Redis is down', () => {
  it('says it cannot reach Redis instead of hanging, and the client does not retry it', async () => {
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null });
    try {
      const unreachable = new RateBudget({ redis: down, workspaceId: 'ws1', redisTimeoutMs: 500 });
      let takes = 0;
      server = await startFakeIntercom(() => ({ body: contact('c1') }));
      const intercom = new IntercomClient({
        token: 't',
        baseUrl: server.url,
        budget: {
          take(lane, signal) {
            takes++;
            return unreachable.take(lane, signal);
          },
          observe: (headers) => unreachable.observe(headers),
        },
        maxRetries: 3,
        retryMinDelayMs: 5,
      });
      const error = await intercom.contacts.get('c1').catch((e: unknown) => e);
      await intercom.close();
      expect(error).toBeInstanceOf(RateBudgetUnavailableError);
      expect((error as Error).message).toBe('cannot reach Redis at 127.0.0.1:1: connection refused');
      expect(takes).toBe(1);
      expect(server.requests).toHaveLength(0);
    } finally {
      down.disconnect();
    }
  });
});
