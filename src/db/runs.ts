// Run history: one row per sync run, one per stream with its figures, read back for `status`.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export type RunKind = 'full' | 'incremental';
/** `crashed`: the process running it stopped without finishing it (its heartbeat went stale). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'crashed';

export interface StreamFigures {
  readonly fetched: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly deleted: number;
  readonly api_calls: number;
  readonly rate_limited: number;
}

const figureNames = [
  'fetched',
  'inserted',
  'updated',
  'unchanged',
  'deleted',
  'api_calls',
  'rate_limited',
] as const;

export interface StartRunOptions {
  readonly kind: RunKind;
  /** What started it: 'cron', 'manual', 'cli', … */
  readonly trigger?: string;
  /** The options the run was started with (e.g. `{ only: ['companies'] }`), kept for resuming. */
  readonly options?: Record<string, unknown>;
}

/** @example const runId = await startRun(db, { kind: 'full', trigger: 'cron' }); */
export async function startRun(db: Executor, options: StartRunOptions): Promise<number> {
  const row = await db
    .insertInto('intercom_sync.runs')
    .values({
      kind: options.kind,
      trigger: options.trigger ?? 'manual',
      options: JSON.stringify(options.options ?? {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** @example await finishRun(db, runId, { status: 'failed', error: err.message }); */
export async function finishRun(
  db: Executor,
  runId: number,
  outcome: { status: Exclude<RunStatus, 'running'>; error?: string },
): Promise<void> {
  await db
    .updateTable('intercom_sync.runs')
    .set({ status: outcome.status, error: outcome.error ?? null, finished_at: sql<Date>`now()` })
    .where('id', '=', runId)
    .execute();
}

/**
 * Starts (or, when a run is resumed, restarts) a stream; figures recorded so far are kept.
 * @example await startStream(db, runId, 'contacts');
 */
export async function startStream(db: Executor, runId: number, stream: string): Promise<void> {
  await db
    .insertInto('intercom_sync.run_streams')
    .values({ run_id: runId, stream })
    .onConflict((oc) =>
      oc.columns(['run_id', 'stream']).doUpdateSet({ status: 'running', finished_at: null, error: null }),
    )
    .execute();
}

/**
 * Adds to a stream's figures as the run goes, so a crashed run still shows what it did.
 * @example await addStreamFigures(db, runId, 'contacts', { fetched: 150, api_calls: 1, ...counts });
 */
export async function addStreamFigures(
  db: Executor,
  runId: number,
  stream: string,
  delta: Partial<StreamFigures>,
): Promise<void> {
  const increments = figureNames.filter((name) => delta[name]);
  if (increments.length === 0) return;
  await db
    .updateTable('intercom_sync.run_streams')
    .set((eb) => Object.fromEntries(increments.map((name) => [name, eb(name, '+', delta[name]!)])))
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .execute();
}

/**
 * Records that the stream read everything Intercom has: only then may markUnseenDeleted sweep it.
 * @example await markStreamComplete(db, runId, 'contacts'); await markUnseenDeleted(db, runId, 'contacts');
 */
export async function markStreamComplete(db: Executor, runId: number, stream: string): Promise<void> {
  await db
    .updateTable('intercom_sync.run_streams')
    .set({ complete: true })
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .execute();
}

export interface StreamOutcome {
  readonly status: Exclude<RunStatus, 'running'>;
  readonly error?: string;
  /** Added to the figures addStreamFigures recorded. */
  readonly figures?: Partial<StreamFigures>;
  /** Defaults to the time since the stream started. */
  readonly durationMs?: number;
}

/** @example await finishStream(db, runId, 'companies', { status: 'succeeded', figures: { fetched: 1200 } }); */
export async function finishStream(
  db: Executor,
  runId: number,
  stream: string,
  outcome: StreamOutcome,
): Promise<void> {
  await addStreamFigures(db, runId, stream, outcome.figures ?? {});
  const duration =
    outcome.durationMs ?? sql<number>`(extract(epoch from (clock_timestamp() - started_at)) * 1000)::int`;
  await db
    .updateTable('intercom_sync.run_streams')
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      finished_at: sql<Date>`now()`,
      duration_ms: duration,
    })
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .execute();
}

export interface StreamHistoryRow extends StreamFigures {
  readonly run_id: number;
  readonly kind: RunKind;
  readonly trigger: string;
  readonly stream: string;
  readonly status: RunStatus;
  readonly complete: boolean;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly duration_ms: number | null;
  readonly error: string | null;
}

/**
 * The last `perStream` runs of each stream, newest first within a stream (for `status`).
 * @example const history = await lastStreamRuns(db, { perStream: 3 });
 */
export async function lastStreamRuns(
  db: Executor,
  options: { perStream?: number; kind?: RunKind } = {},
): Promise<StreamHistoryRow[]> {
  const kind = options.kind ?? null;
  const result = await sql<StreamHistoryRow>`
    select * from (
      select s.run_id, r.kind, r.trigger, s.stream, s.status, s.complete, s.fetched, s.inserted, s.updated,
             s.unchanged, s.deleted, s.api_calls, s.rate_limited, s.started_at, s.finished_at, s.duration_ms, s.error,
             row_number() over (partition by s.stream order by s.started_at desc, s.run_id desc) as rank
      from intercom_sync.run_streams s join intercom_sync.runs r on r.id = s.run_id
      where ${kind}::text is null or r.kind = ${kind}
    ) ranked
    where rank <= ${options.perStream ?? 5}
    order by stream, started_at desc, run_id desc`.execute(db);
  return result.rows.map(({ rank: _rank, ...row }: StreamHistoryRow & { rank?: unknown }) => row);
}

export interface ResumableRun {
  readonly id: number;
  readonly startedAt: Date;
  readonly options: unknown;
}

/**
 * The newest run of `kind` if it never finished (the process died mid-run), so a full sync can
 * continue from its checkpoints; null when the newest run finished, whatever its status.
 * @example const run = await findResumableRun(db); const runId = run?.id ?? (await startRun(db, { kind: 'full' }));
 */
export async function findResumableRun(db: Executor, kind: RunKind = 'full'): Promise<ResumableRun | null> {
  const latest = await db
    .selectFrom('intercom_sync.runs')
    .select(['id', 'started_at', 'finished_at', 'options'])
    .where('kind', '=', kind)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest || latest.finished_at !== null) return null;
  return { id: latest.id, startedAt: latest.started_at, options: latest.options };
}

export interface RunStreamRow extends StreamFigures {
  readonly stream: string;
  readonly status: RunStatus;
  readonly complete: boolean;
  readonly duration_ms: number | null;
  readonly error: string | null;
}

/**
 * A run's streams with their figures so far (a run whose streams ran in several processes adds
 * them up here), and whether the run has finished.
 * @example const { finished, streams } = await readRunStreams(db, runId);
 */
export async function readRunStreams(
  db: Executor,
  runId: number,
): Promise<{ finished: boolean; startedAt: Date | undefined; streams: RunStreamRow[] }> {
  const run = await db
    .selectFrom('intercom_sync.runs')
    .select(['finished_at', 'started_at'])
    .where('id', '=', runId)
    .executeTakeFirst();
  const streams = await db
    .selectFrom('intercom_sync.run_streams')
    .select(['stream', 'status', 'complete', 'duration_ms', 'error', ...figureNames])
    .where('run_id', '=', runId)
    .orderBy('started_at')
    .execute();
  return {
    finished: run?.finished_at != null,
    startedAt: run?.started_at,
    streams: streams as RunStreamRow[],
  };
}

/**
 * Records that the process running `runId` is alive (every run's process calls this every few
 * seconds); a running run whose heartbeat goes stale is one whose process died.
 * @example const timer = setInterval(() => void touchRun(db, runId), 20_000);
 */
export async function touchRun(db: Executor, runId: number): Promise<void> {
  await sql`update intercom_sync.runs set heartbeat_at = now() where id = ${runId} and status = 'running'`.execute(db);
}

export interface CrashedRun {
  readonly id: number;
  readonly kind: RunKind;
}

/**
 * Marks `crashed` every run still `running` whose heartbeat is older than `staleBefore` (its process
 * was killed), and its unfinished streams with it. They stay unfinished (finished_at null): a
 * crashed full run is still resumed from its checkpoints by the next one.
 * @example const crashed = await markCrashedRuns(db, new Date(Date.now() - 120_000));
 */
export async function markCrashedRuns(db: Executor, staleBefore: Date): Promise<CrashedRun[]> {
  const result = await sql<CrashedRun>`
    with crashed as (
      update intercom_sync.runs
      set status = 'crashed',
          error = 'the process running it stopped: no heartbeat since ' || to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      where status = 'running' and heartbeat_at < ${staleBefore}
      returning id, kind
    ), streams as (
      update intercom_sync.run_streams s set status = 'crashed', error = 'the run crashed'
      from crashed where s.run_id = crashed.id and s.status = 'running'
    )
    select id::int as id, kind from crashed order by id`.execute(db);
  return result.rows;
}

/**
 * A crashed run taken up again (a full sync resuming it): running, with a fresh heartbeat.
 * @example await reopenRun(db, resumable.id);
 */
export async function reopenRun(db: Executor, runId: number): Promise<void> {
  await sql`
    update intercom_sync.runs set status = 'running', error = null, heartbeat_at = now()
    where id = ${runId} and finished_at is null`.execute(db);
}
