// Request statistics for the control endpoint: calls by route and status, 429s, faults and
// peak concurrency, so tests and benchmarks can check how a client used the API.

export interface StatsSnapshot {
  readonly since: number;
  readonly requests: number;
  readonly byRoute: Record<string, Record<string, number>>;
  readonly rateLimited: number;
  readonly faults: Record<string, number>;
  readonly inFlight: number;
  readonly peakConcurrency: number;
}

export class RequestStats {
  private since = Date.now();
  private requests = 0;
  private byRoute = new Map<string, Map<string, number>>();
  private rateLimited = 0;
  private faults = new Map<string, number>();
  private inFlight = 0;
  private peak = 0;

  started(): void {
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  finished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  record(route: string, status: number | string): void {
    this.requests += 1;
    let statuses = this.byRoute.get(route);
    if (!statuses) this.byRoute.set(route, (statuses = new Map()));
    const key = String(status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (status === 429) this.rateLimited += 1;
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  reset(): void {
    this.since = Date.now();
    this.requests = 0;
    this.byRoute.clear();
    this.rateLimited = 0;
    this.faults.clear();
    this.peak = this.inFlight;
  }

  snapshot(): StatsSnapshot {
    return {
      since: Math.floor(this.since / 1000),
      requests: this.requests,
      byRoute: Object.fromEntries([...this.byRoute].map(([route, s]) => [route, Object.fromEntries(s)])),
      rateLimited: this.rateLimited,
      faults: Object.fromEntries(this.faults),
      inFlight: this.inFlight,
      peakConcurrency: this.peak,
    };
  }
}
