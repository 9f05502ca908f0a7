// The workspace lease: one holder at a time, handed on at release, lapsing with its TTL. The wait for
// another holder runs on a manual clock; the TTL is Redis's, checked on the key instead of waited out.
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLease, LeaseTimeoutError } from '../../src/sync/workspace-lease.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestRedis, uniqueName } from '../support/services.js';

const redis = createTestRedis();
afterAll(() => redis.quit());

describe('a workspace lease (the companies scroll lock, the full-sync guard)', () => {
  it('lets one holder at a time scroll, and the next one in at its first poll after the release', async () => {
    const key = uniqueName('lock');
    const clock = new ManualClock();
    const first = await acquireLease({ redis, key });
    const order: string[] = [];
    const second = acquireLease({ redis, key, pollMs: 20, clock }).then((lease) => {
      order.push('second acquired');
      return lease;
    });
    await clock.untilSleeping(1); // refused once, now waiting for its next poll
    await clock.advance(20);
    await clock.untilSleeping(1); // refused again: the first still holds it
    expect(order).toEqual([]);
    order.push('first releases');
    await first.release();
    await clock.advance(20);
    const lease = await second;
    expect(order).toEqual(['first releases', 'second acquired']);
    await lease.release();
  });

  it('frees itself when the holder dies, and the dead holder cannot release the new lease', async () => {
    const key = uniqueName('lock');
    const clock = new ManualClock();
    const dead = await acquireLease({ redis, key, ttlMs: 5_000 });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    const next = acquireLease({ redis, key, ttlMs: 5_000, pollMs: 20, clock });
    await clock.untilSleeping(1);
    await redis.pexpire(key, 0); // the TTL runs out, as it would 5 s after the holder died
    await clock.advance(20);
    const lease = await next;
    await dead.release();
    expect(await dead.renew()).toBe(false);
    expect(await redis.exists(key)).toBe(1);
    expect(await lease.renew()).toBe(true);
    await lease.release();
  });

  it('renews to a full TTL, and gives up with LeaseTimeoutError once the wait is over', async () => {
    const key = uniqueName('lock');
    const holder = await acquireLease({ redis, key, ttlMs: 5_000 });
    await redis.pexpire(key, 1_000);
    expect(await holder.renew()).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(1_000);
    const clock = new ManualClock({ auto: true });
    const started = clock.now();
    const error = await acquireLease({ redis, key, waitMs: 1_000, pollMs: 200, clock }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LeaseTimeoutError);
    expect((error as Error).message).toBe(`another process has held ${key} for over 1 s`);
    expect(clock.now() - started).toBe(1_000);
    await holder.release();
    expect(await redis.exists(key)).toBe(0);
  });
});
