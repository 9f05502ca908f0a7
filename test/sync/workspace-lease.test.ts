import { afterAll, describe, expect, it } from 'vitest';
import { acquireLease, LeaseTimeoutError } from '../../src/sync/workspace-lease.js';
import { createTestRedis, uniqueName } from '../support/services.js';

const redis = createTestRedis();
afterAll(() => redis.quit());

describe('a workspace lease (the companies scroll lock, the full-sync guard)', () => {
  it('lets one holder at a time scroll, and the next one in as soon as it is released', async () => {
    const key = uniqueName('lock');
    const first = await acquireLease({ redis, key });
    const order: string[] = [];
    const second = acquireLease({ redis, key, pollMs: 20 }).then((lease) => {
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
    const dead = await acquireLease({ redis, key, ttlMs: 100 });
    const next = await acquireLease({ redis, key, ttlMs: 5_000, pollMs: 20 });
    await dead.release();
    expect(await dead.renew()).toBe(false);
    expect(await next.renew()).toBe(true);
    await expect(acquireLease({ redis, key, waitMs: 100, pollMs: 20 })).rejects.toBeInstanceOf(
      LeaseTimeoutError,
    );
    await next.release();
  });
});
