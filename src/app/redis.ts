// Opens Redis connections for queues, budgets and locks, failing with one clear sentence when
// Redis cannot be reached instead of retrying silently forever.
import { Redis } from 'ioredis';
import { redactUrl } from '../db/errors.js';
import { ServiceError } from '../errors.js';

/** Redis could not be reached at start-up (may pass once it is up). */
export class RedisUnavailableError extends ServiceError {
  override name = 'RedisUnavailableError';
  constructor(message: string) {
    super(message, { permanent: false });
  }
}

/**
 * Connects and pings; BullMQ needs `maxRetriesPerRequest: null` on its connections.
 * @example const redis = await connectRedis(config.REDIS_URL);
 */
export async function connectRedis(url: string, options: { timeoutMs?: number } = {}): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 5_000,
    // After the first connection, reconnect with backoff (a Redis restart must not kill the daemon).
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message.replace(/^connect /, '');
    throw new RedisUnavailableError(`cannot reach Redis at ${redactUrl(url)}: ${reason}.`);
  }
}
