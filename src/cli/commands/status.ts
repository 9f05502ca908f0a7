// `intercom-pg-sync status [--json]`: per stream its last runs, watermark and lag; queue depths;
// webhook, outbox and conflict backlogs. Needs only DATABASE_URL; Redis is optional and its
// absence is reported, not fatal.
import type { Command } from 'commander';
import type { Config } from '../../config/config.js';
import { DEFAULT_RUNS_PER_STREAM } from '../../db/runs-per-stream.js';
import type { BacklogStatus, StreamStatus } from '../../db/status-queries.js';
import type { CommandContext } from '../command-context.js';
import { wholeNumber } from '../number-options.js';

type QueueStatus =
  | { readonly available: true; readonly counts: Record<string, Record<string, number>> }
  | { readonly available: false; readonly error: string };

const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

export function registerStatus(program: Command, context: CommandContext): void {
  program
    .command('status')
    .description('runs, watermarks, queues, outbox and conflicts at a glance')
    .option('--json', 'print one JSON document')
    .option('--runs <n>', 'runs shown per stream', wholeNumber(1), DEFAULT_RUNS_PER_STREAM)
    .action(async (options: { json?: boolean; runs: number }) => {
      const config = context.config(['DATABASE_URL']);
      const [{ withDatabase }, { backlogStatus, streamStatus }] = await Promise.all([
        import('../../app/database.js'),
        import('../../db/status-queries.js'),
      ]);
      const [streams, backlog, queues] = await withDatabase(
        config,
        { name: 'intercom-pg-sync status', poolSize: 3 },
        (db) =>
          Promise.all([
            streamStatus(db, { perStream: options.runs }),
            backlogStatus(db),
            queueStatus(config),
          ]),
      );
      const document = statusDocument(streams, backlog, queues, new Date());
      if (options.json) console.log(JSON.stringify(document));
      else printStatus(document);
    });
}

/** Job counts per queue; Redis is optional here, so its absence is reported, not fatal. */
async function queueStatus(config: Config): Promise<QueueStatus> {
  const url = config.REDIS_URL;
  if (!url) return { available: false, error: 'REDIS_URL is not set' };
  const { withQueues } = await import('../../app/queues.js');
  try {
    const counts = await withQueues(
      { ...config, REDIS_URL: url },
      async (queues) => {
        const byQueue: Record<string, Record<string, number>> = {};
        for (const queue of queues.all) byQueue[queue.name] = await queue.getJobCounts(...JOB_STATES);
        return byQueue;
      },
      { timeoutMs: 2_000 },
    );
    return { available: true, counts };
  } catch (error) {
    return { available: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const seconds = (from: Date | null, now: Date) =>
  from ? Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000)) : null;

function statusDocument(
  streams: readonly StreamStatus[],
  backlog: BacklogStatus,
  queues: QueueStatus,
  now: Date,
) {
  return {
    generatedAt: now.toISOString(),
    streams: streams.map((s) => ({
      stream: s.stream,
      watermark: s.watermark?.toISOString() ?? null,
      /** now − watermark: how far behind Intercom the newest mirrored change is. */
      watermarkLagSeconds: seconds(s.watermark, now),
      lastSucceededAt: s.lastSucceededAt?.toISOString() ?? null,
      sinceLastSuccessSeconds: seconds(s.lastSucceededAt, now),
      runs: s.runs.map((r) => ({
        runId: r.run_id,
        kind: r.kind,
        trigger: r.trigger,
        status: r.status,
        complete: r.complete,
        fetched: r.fetched,
        inserted: r.inserted,
        updated: r.updated,
        unchanged: r.unchanged,
        deleted: r.deleted,
        apiCalls: r.api_calls,
        rateLimited: r.rate_limited,
        startedAt: r.started_at.toISOString(),
        finishedAt: r.finished_at?.toISOString() ?? null,
        durationMs: r.duration_ms,
        error: r.error,
      })),
    })),
    queues,
    webhooks: {
      pending: backlog.webhookEvents.received ?? 0,
      failed: backlog.webhookEvents.failed ?? 0,
      byStatus: backlog.webhookEvents,
      oldestPendingAt: backlog.oldestPendingWebhook?.toISOString() ?? null,
    },
    outbox: {
      backlog: (backlog.outbox.pending ?? 0) + (backlog.outbox.in_flight ?? 0),
      failed: backlog.outbox.failed ?? 0,
      byState: backlog.outbox,
      oldestPendingAt: backlog.oldestPendingOutbox?.toISOString() ?? null,
      heldRecords: backlog.heldRecords,
    },
    conflicts: { open: backlog.openConflicts },
    parked: {
      total: Object.values(backlog.parked).reduce((a, b) => a + b, 0),
      byEntity: backlog.parked,
    },
  };
}

type StatusDocument = ReturnType<typeof statusDocument>;

function printStatus(doc: StatusDocument): void {
  const age = (s: number | null) =>
    s === null
      ? 'never'
      : s < 120
        ? `${s} s`
        : s < 7200
          ? `${Math.round(s / 60)} min`
          : `${(s / 3600).toFixed(1)} h`;
  if (doc.streams.length === 0)
    console.log('streams: no sync has run yet (run `intercom-pg-sync sync full`)');
  for (const s of doc.streams) {
    const watermark = s.watermark
      ? `watermark ${s.watermark} (${age(s.watermarkLagSeconds)} behind)`
      : 'no watermark';
    console.log(`${s.stream}: last success ${age(s.sinceLastSuccessSeconds)} ago; ${watermark}`);
    for (const r of s.runs) {
      const took =
        r.durationMs !== null
          ? `${(r.durationMs / 1000).toFixed(1)} s`
          : r.status === 'crashed'
            ? 'never finished'
            : 'running';
      console.log(
        `  run ${r.runId} ${r.kind} ${r.status}${r.complete ? '' : ' (incomplete)'}: fetched ${r.fetched}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, deleted ${r.deleted}; ${r.apiCalls} calls, ${r.rateLimited} 429s; ${took}${r.error ? `; error: ${r.error}` : ''}`,
      );
    }
  }
  if (doc.queues.available) {
    const line = Object.entries(doc.queues.counts)
      .map(
        ([name, c]) =>
          `${name} ${c.waiting ?? 0} waiting, ${c.active ?? 0} active, ${c.delayed ?? 0} delayed, ${c.failed ?? 0} failed`,
      )
      .join('; ');
    console.log(`queues: ${line}`);
  } else {
    console.log(`queues: unavailable — ${doc.queues.error}`);
  }
  console.log(`webhooks: ${doc.webhooks.pending} pending, ${doc.webhooks.failed} failed`);
  console.log(
    `outbox: ${doc.outbox.backlog} waiting, ${doc.outbox.failed} failed; conflicts: ${doc.conflicts.open} open`,
  );
  const held = doc.outbox.heldRecords;
  if (held.pending + held.failed > 0)
    console.log(
      `local edits not in Intercom yet: ${held.pending} records on their way, ${held.failed} failed ` +
        '(syncs keep their values; per record in intercom_sync.local_changes, reasons in `failed list`)',
    );
  if (doc.parked.total > 0) {
    const by = Object.entries(doc.parked.byEntity)
      .map(([entity, n]) => `${n} ${entity}${n === 1 ? '' : 's'}`)
      .join(', ');
    console.log(`parked: ${by} could not be stored; see \`intercom-sync failed list\``);
  }
}
