// The service's queues on one Redis connection, for a command that reads or retries jobs
// (`status`, `failed`); the daemon opens its own with its runtime.
import type { ConfigWith } from '../config/config.js';
import { createQueues, type Queues } from '../workers/queues.js';
import { connectRedis } from './redis.js';

/**
 * Runs `fn` with the queues and closes them (and the connection) after. Fails with a
 * RedisUnavailableError when Redis does not answer within `timeoutMs` (5 s).
 * @example const counts = await withQueues(config, (queues) => queues.push.getJobCounts());
 */
export async function withQueues<T>(
  config: ConfigWith<'REDIS_URL'>,
  fn: (queues: Queues) => Promise<T>,
  options: { readonly timeoutMs?: number } = {},
): Promise<T> {
  const redis = await connectRedis(config.REDIS_URL, options);
  const queues = createQueues({ connection: redis, prefix: config.REDIS_PREFIX });
  try {
    return await fn(queues);
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
