// Reads Intercom's X-RateLimit-* response headers, which may be absent
// (docs/intercom-api.md#windows-and-headers).

/** What one response said about the current rate window; any part may be missing. */
export interface RateLimitHeaders {
  /** Requests allowed in the current window (the per-10-s value, e.g. 166 for 1000/min). */
  readonly limit?: number;
  /** Requests left in the current window when the server handled this request. */
  readonly remaining?: number;
  /** When the window ends, in epoch milliseconds (the header carries epoch seconds). */
  readonly resetAtMs?: number;
}

type HeaderValue = string | string[] | undefined;

function readInt(value: HeaderValue): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = Number(text);
  return Number.isFinite(parsed) && parsed >= 0 ? Math.floor(parsed) : undefined;
}

/**
 * Parses the rate-limit headers of a response; returns undefined when none is present.
 * @example parseRateLimitHeaders({ 'x-ratelimit-limit': '166', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1487332520' })
 *   // → { limit: 166, remaining: 0, resetAtMs: 1487332520000 }
 */
export function parseRateLimitHeaders(
  headers: Readonly<Record<string, HeaderValue>>,
): RateLimitHeaders | undefined {
  const limit = readInt(headers['x-ratelimit-limit']);
  const remaining = readInt(headers['x-ratelimit-remaining']);
  const reset = readInt(headers['x-ratelimit-reset']);
  if (limit === undefined && remaining === undefined && reset === undefined) return undefined;
  return {
    ...(limit !== undefined && { limit }),
    ...(remaining !== undefined && { remaining }),
    ...(reset !== undefined && { resetAtMs: reset * 1000 }),
  };
}
