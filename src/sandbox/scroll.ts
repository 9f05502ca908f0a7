// The companies scroll with the live rules (docs/intercom-api.md#scroll): one open scroll per workspace
// (`scroll_exists`), expiry after idling (404), the end signalled by an empty page that closes
// it, and an optional mid-scroll network error that forces a restart.
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { ApiError } from './errors.js';
import type { CompanyRecord } from './model.js';
import type { Prng } from './prng.js';
import type { Store } from './store.js';

interface OpenScroll {
  readonly param: string;
  /** Company ids as of the scroll's start: a scroll is a snapshot. */
  readonly ids: readonly string[];
  position: number;
  lastUsedMs: number;
}

export interface ScrollDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly pageSize: number;
  readonly expirySeconds: () => number;
  readonly faultRate: () => number;
  readonly rng: Prng;
}

export interface ScrollPage {
  readonly companies: CompanyRecord[];
  readonly scrollParam: string;
}

const notFound = (): ApiError => new ApiError(404, 'not_found', 'scroll parameter not found');

export class CompanyScroll {
  private open: OpenScroll | null = null;

  constructor(private readonly deps: ScrollDeps) {}

  next(scrollParam: string | undefined): ScrollPage {
    const now = this.deps.clock.nowMs();
    this.expireIdle(now);
    let scroll: OpenScroll;
    if (scrollParam === undefined || scrollParam === '') {
      if (this.open) throw new ApiError(400, 'scroll_exists', 'scroll already exists for this app');
      const ids = [...this.deps.store.companies.values()].filter((c) => !c.deleted).map((c) => c.id);
      scroll = { param: randomUUID(), ids, position: 0, lastUsedMs: now };
      this.open = scroll;
    } else {
      if (!this.open || this.open.param !== scrollParam) throw notFound();
      scroll = this.open;
      if (this.deps.rng.chance(this.deps.faultRate())) {
        this.open = null;
        throw new ApiError(
          500,
          'server_error',
          'Request failed due to an internal network error. Please restart the scroll operation.',
        );
      }
    }
    scroll.lastUsedMs = now;
    const companies: CompanyRecord[] = [];
    while (scroll.position < scroll.ids.length && companies.length < this.deps.pageSize) {
      const company = this.deps.store.liveCompany(scroll.ids[scroll.position]!);
      scroll.position += 1;
      if (company) companies.push(company);
    }
    // The page after the last one is empty and the scroll parameter expires with it.
    if (companies.length === 0) this.open = null;
    return { companies, scrollParam: scroll.param };
  }

  /** Whether a scroll is open (for the control endpoint and tests). */
  isOpen(): boolean {
    this.expireIdle(this.deps.clock.nowMs());
    return this.open !== null;
  }

  /** Drops the open scroll, as if it had expired. */
  reset(): void {
    this.open = null;
  }

  private expireIdle(nowMs: number): void {
    if (this.open && nowMs - this.open.lastUsedMs > this.deps.expirySeconds() * 1000) this.open = null;
  }
}
