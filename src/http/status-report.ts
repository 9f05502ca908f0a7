// What the /status page shows, as plain data: src/app gathers it (Postgres, the queues, the rate
// budget), src/http renders it.
import type { RunRow } from '../db/operator-state.js';

export interface StreamFreshness {
  readonly stream: string;
  readonly lastSucceededAt: Date | null;
  /** Seconds since that success; null when the stream never succeeded. */
  readonly lagSeconds: number | null;
  readonly watermark: Date | null;
  readonly lastRun: {
    readonly status: string;
    readonly finishedAt: Date | null;
    readonly error: string | null;
  } | null;
  /** Successful runs over the chart's span (and the newest one before it), oldest first. */
  readonly successes: readonly Date[];
}

/** A run with its streams' figures summed, as src/db reads it. */
export type RunSummary = RunRow;

export interface FailedRecord {
  /** What `failed retry` takes. */
  readonly id: string;
  readonly name: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly at: string | null;
}

export interface OpenConflict {
  readonly id: number;
  readonly entity: string;
  readonly field: string | null;
  readonly intercomId: string | null;
  readonly createdAt: Date;
}

/** A part read from Redis, which may be down while Postgres answers. */
export type MaybeUnavailable<T> =
  { readonly available: true; readonly value: T } | { readonly available: false; readonly error: string };

export interface StatusReport {
  readonly generatedAt: Date;
  /** Start of the lag chart's span. */
  readonly chartFrom: Date;
  readonly streams: readonly StreamFreshness[];
  readonly runs: readonly RunSummary[];
  readonly outbox: {
    readonly pending: number;
    readonly inFlight: number;
    readonly failed: number;
    readonly oldestPendingSeconds: number | null;
  };
  readonly webhooks: {
    readonly received: number;
    readonly failed: number;
    readonly oldestPendingSeconds: number | null;
  };
  readonly failed: MaybeUnavailable<readonly FailedRecord[]>;
  readonly conflicts: { readonly open: number; readonly newest: readonly OpenConflict[] };
  readonly rateBudget: MaybeUnavailable<{
    readonly limit: number;
    readonly remaining: number;
    readonly windowEndsAt: Date;
  }>;
  readonly queues: MaybeUnavailable<Readonly<Record<string, Readonly<Record<string, number>>>>>;
}
