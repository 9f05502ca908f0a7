// The per-workspace rate limit: the per-minute limit spread into windows of limit/6 calls,
// with the X-RateLimit-* headers and the live 429 (docs/intercom-api.md#windows-and-headers,
// docs/intercom-api.md#the-429-answer).

export interface RateDecision {
  readonly allowed: boolean;
  readonly headers: Record<string, string>;
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitSettings {
  /** Calls per minute, 0 = unlimited. */
  readonly rateLimit: number;
  readonly rateWindowMs: number;
}

export class RateLimiter {
  private windowStart = -1;
  private used = 0;

  constructor(
    private readonly settings: () => RateLimitSettings,
    private readonly nowMs: () => number,
  ) {}

  /** Counts one call if the window has room; a refused call counts nothing and applies nothing. */
  take(): RateDecision {
    const { rateLimit, rateWindowMs } = this.settings();
    const windowsPerMinute = Math.max(1, Math.round(60_000 / rateWindowMs));
    // "1000 per minute … 166 operations per 10 second period (1000/6)"
    // (docs/intercom-api.md#windows-and-headers).
    const limit = rateLimit === 0 ? 1_000_000 : Math.max(1, Math.floor(rateLimit / windowsPerMinute));
    const now = this.nowMs();
    // Windows align to wall-clock boundaries, so X-RateLimit-Reset is the next boundary.
    const start = Math.floor(now / rateWindowMs) * rateWindowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
    const allowed = this.used < limit;
    if (allowed) this.used += 1;
    return {
      allowed,
      limit,
      windowSeconds: Math.round(rateWindowMs / 1000),
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - this.used)),
        'X-RateLimit-Reset': String(Math.ceil((start + rateWindowMs) / 1000)),
      },
    };
  }
}
