// Runs one stream of a sync run and records it: start, API calls and 429s, figures, completeness,
// the sweep of unseen rows (only after a complete pass), and how it ended.
import { isConnectionLoss } from '../db/errors.js';
import { finishStream, markStreamComplete, startStream } from '../db/runs.js';
import { markUnseenDeleted, type MirrorEntity } from '../db/mark-and-sweep.js';
import type { SyncContext } from './context.js';
import { tally, type Tally, type TallyFigures } from './tally.js';

export interface StreamResult extends TallyFigures {
  readonly stream: string;
  readonly status: 'succeeded' | 'failed';
  readonly complete: boolean;
  readonly apiCalls: number;
  readonly rateLimited: number;
  readonly durationMs: number;
  readonly error?: string;
}

/** Streams read as one complete list, which mark what they lack deleted themselves (no sweep). */
export type ListStream = 'data_attributes' | 'admins';

export type StreamOptions =
  | {
      /** Mark rows this run did not see as deleted once the pass is complete. */
      readonly sweep: boolean;
    }
  | { readonly sweep: false };

/**
 * Runs `read`, which returns when it has read everything; if it throws, the stream failed (and
 * deletes nothing). Never throws itself: the run goes on with its other streams.
 * @example const result = await runStream(ctx, runId, 'tags', { sweep: true }, (t) => readTags(t));
 */
export async function runStream(
  ctx: SyncContext,
  runId: number,
  stream: MirrorEntity | ListStream,
  options: StreamOptions,
  read: (figures: Tally) => Promise<void>,
): Promise<StreamResult> {
  const started = Date.now();
  const figures = tally();
  const calls = { calls: 0, rateLimited: 0 };
  await startStream(ctx.db, runId, stream);
  let error: string | undefined;
  try {
    await readThroughRestarts(ctx, runId, stream, () => ctx.meter.measure(calls, () => read(figures)));
    await markStreamComplete(ctx.db, runId, stream);
    if (options.sweep && stream !== 'data_attributes' && stream !== 'admins') {
      figures.add({
        deleted: await markUnseenDeleted(ctx.db, runId, stream, {
          graceSeconds: ctx.settings.searchLagSeconds,
        }),
      });
    }
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
    ctx.log.error({ err: cause, runId, stream }, 'stream failed; nothing was swept');
  }
  const durationMs = Date.now() - started;
  const { fetched, inserted, updated, unchanged, deleted } = figures;
  await finishStream(ctx.db, runId, stream, {
    status: error ? 'failed' : 'succeeded',
    ...(error && { error }),
    figures: {
      fetched,
      inserted,
      updated,
      unchanged,
      deleted,
      api_calls: calls.calls,
      rate_limited: calls.rateLimited,
    },
    durationMs,
  });
  ctx.metrics?.recordsSynced.inc({ entity: stream, operation: 'deleted' }, deleted);
  return {
    stream,
    status: error ? 'failed' : 'succeeded',
    complete: !error,
    fetched,
    inserted,
    updated,
    unchanged,
    deleted,
    apiCalls: calls.calls,
    rateLimited: calls.rateLimited,
    durationMs,
    ...(error && { error }),
  };
}

/** Passes a stream makes when Postgres goes away under it (a restart) before the stream fails. */
const PASSES_THROUGH_RESTARTS = 3;

/**
 * Runs `pass`, and again when it failed because Postgres went away mid-pass (a restart cuts every
 * connection: a page's write or its checkpoint dies with it). A pass goes on from the run's
 * checkpoints, and the pool waits for the server to take connections again
 * (docs/resilience.md#postgres-restarts); every write it repeats is idempotent.
 */
async function readThroughRestarts(
  ctx: SyncContext,
  runId: number,
  stream: string,
  pass: () => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pass();
    } catch (error) {
      if (!isConnectionLoss(error) || attempt >= PASSES_THROUGH_RESTARTS) throw error;
      ctx.log.warn(
        { err: (error as Error).message, runId, stream, attempt },
        'lost Postgres mid-stream; reading on from the checkpoints',
      );
    }
  }
}
