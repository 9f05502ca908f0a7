// Counts API calls and 429s per sync stream. Streams run concurrently on one shared client, so
// the stream is carried in async context (AsyncLocalStorage) from where the stream starts to the
// client's response hook.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ResponseEvent } from '../intercom/http.js';
import type { Metrics } from '../observability/metrics.js';

export interface CallCounts {
  calls: number;
  rateLimited: number;
}

export class CallMeter {
  readonly #scope = new AsyncLocalStorage<CallCounts>();

  constructor(private readonly metrics?: Metrics) {}

  /** The client's `onResponse` hook. */
  readonly onResponse = (event: ResponseEvent): void => {
    const counts = this.#scope.getStore();
    if (counts) {
      counts.calls++;
      if (event.status === 429) counts.rateLimited++;
    }
    if (this.metrics) {
      const status = event.status === 0 ? (event.errorCode ?? 'network_error') : String(event.status);
      this.metrics.apiRequestDuration.observe(
        { method: event.method, route: event.route, status },
        event.durationMs / 1000,
      );
      if (event.status === 429) this.metrics.rateLimited.inc();
      if (event.rateLimit?.remaining !== undefined)
        this.metrics.rateLimitRemaining.set(event.rateLimit.remaining);
    }
  };

  /**
   * Runs `fn` with every API call it makes counted into `counts`.
   * @example const counts = { calls: 0, rateLimited: 0 }; await meter.measure(counts, () => readTags());
   */
  measure<T>(counts: CallCounts, fn: () => Promise<T>): Promise<T> {
    return this.#scope.run(counts, fn);
  }
}
