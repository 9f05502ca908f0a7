import { afterAll, describe, expect, it } from 'vitest';
import { acquireScrollLock, ScrollLockTimeoutError } from '../../src/sync/scroll-lock.js';
import { createTestRedis, uniqueName } from '../support/services.js';

const redis = createTestRedis();
afterAll(() => redis.quit());

describe('the companies scroll lock', () => {
  it('lets one holder at a time scroll, and the next one in as soon as it is released', async () => {
    const key = uniqueName('lock');
    const first = await acquireScrollLock({ redis, key });
    const order: string[] = [];
    const second = acquireScrollLock({ redis, key, pollMs: 20 }).then((lease) => {
      order.push('second acquired');
      return lease;
    });
    await new Promise((r) => setTimeout(r, 150));
    order.push('first releases');
    await first.release();
    const lease = await second;
    expect(order).toEqual(['first releases', 'second acquired']);
    await lease.release();
  });

  it('frees itself when the holder dies, and the dead holder cannot release the new lease', async () => {
    const key = uniqueName('lock');
    const dead = await acquireScrollLock({ redis, key, ttlMs: 100 });
    const next = await acquireScrollLock({ redis, key, ttlMs: 5_000, pollMs: 20 });
    await dead.release();
    expect(await dead.renew()).toBe(false);
    expect(await next.renew()).toBe(true);
    await expect(acquireScrollLock({ redis, key, waitMs: 100, pollMs: 20 })).rejects.toBeInstanceOf(
      ScrollLockTimeoutError,
    );
    await next.release();
  });
});
