// The daemon's full sync as a BullMQ flow, so every daemon reads part of it: the `full` job starts
// the run and adds one `contacts` job per unfinished partition and a `companies` job, children
// of a `finish` job that BullMQ runs once all of them have ended; the `full` job holds the
// full-sync lock until then. A daemon that dies mid-part leaves its jobs stalled: another daemon
// takes them over and resumes each from its checkpoint (only the pages in flight are read again).
import { createHash } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import { systemClock } from '../clock/clock.js';
import type { SyncContext } from '../sync/context.js';
import { takeFullSyncLock, type FullSyncSummary } from '../sync/full-sync.js';
import {
  finishSharedRun,
  readSharedCompanies,
  readSharedPartition,
  startSharedRun,
  type PartitionPartResult,
} from '../sync/full-sync-parts.js';
import type { FullSyncJob, Queues, SyncPartJob } from './queues.js';

/** Attempts of a part before its partition counts as failed (the run then fails, sweeping nothing). */
const PART_ATTEMPTS = 5;

/** Job ids name the run and part (BullMQ forbids ":" in custom ids, partition keys have it). */
export const finishJobId = (runId: number): string => `full-finish-${runId}`;
const partJobId = (runId: number, key: string): string =>
  `full-part-${runId}-${createHash('sha1').update(key).digest('hex').slice(0, 16)}`;

/**
 * Runs a `full` job the shared way: start (or resume) the run, add its parts as a flow unless
 * they are queued already, and wait for the flow's `finish`, whose summary it returns.
 * @example const summary = await runSharedFullSync(ctx, queues, job.data, signal);
 */
export async function runSharedFullSync(
  ctx: SyncContext,
  queues: Pick<Queues, 'syncParts' | 'flows'>,
  data: FullSyncJob,
  signal: AbortSignal,
  pollMs = 500,
): Promise<FullSyncSummary> {
  const lock = await takeFullSyncLock(ctx);
  try {
    const parts = await startSharedRun(ctx, {
      ...(data.only && { only: data.only }),
      trigger: data.trigger,
      signal,
    });
    const id = finishJobId(parts.runId);
    const queued = await queues.syncParts.getJob(id);
    const state = queued ? await queued.getState() : undefined;
    if (!queued || state === 'completed' || state === 'failed' || state === 'unknown') {
      // Redis lost the flow, or it is the first start: (re)add it; parts already done are left out.
      if (queued) await queued.remove({ removeChildren: true }).catch(() => undefined);
      const child = { attempts: PART_ATTEMPTS, ignoreDependencyOnFailure: true } as const;
      await queues.flows.add({
        name: 'finish',
        queueName: queues.syncParts.name,
        data: { runId: parts.runId },
        opts: { jobId: id, attempts: PART_ATTEMPTS },
        children: [
          ...(parts.companies
            ? [
                {
                  name: 'companies',
                  queueName: queues.syncParts.name,
                  data: { runId: parts.runId },
                  opts: { ...child, jobId: `full-companies-${parts.runId}` },
                },
              ]
            : []),
          ...parts.partitions.map((partition) => ({
            name: 'contacts',
            queueName: queues.syncParts.name,
            data: { runId: parts.runId, partition },
            opts: { ...child, jobId: partJobId(parts.runId, partition) },
          })),
        ],
      });
    }
    ctx.log.info(
      { runId: parts.runId, partitions: parts.partitions.length, companies: parts.companies },
      'full sync shared out: every daemon takes its parts',
    );
    const clock = ctx.clock ?? systemClock;
    for (;;) {
      const job = await queues.syncParts.getJob(id);
      if (!job) throw new Error(`the finish of full sync run ${parts.runId} left the queue before it ran`);
      const now = await job.getState();
      if (now === 'completed') return { ...(job.returnvalue as FullSyncSummary), resumed: parts.resumed };
      if (now === 'failed')
        throw new Error(`finishing full sync run ${parts.runId} failed: ${job.failedReason}`);
      await clock.sleep(pollMs, signal);
    }
  } finally {
    await lock.release();
  }
}

/**
 * Processes the parts queue: a `contacts` partition, the `companies` scroll, or the `finish`.
 * @example new Worker(QUEUE_NAMES.syncParts, syncPartProcessor(ctx, signal), { connection, concurrency: 24 });
 */
export function syncPartProcessor(ctx: SyncContext, signal: AbortSignal) {
  return async (job: Job<SyncPartJob>): Promise<unknown> => {
    const { runId } = job.data;
    if (job.name === 'contacts' && 'partition' in job.data)
      return readSharedPartition(ctx, runId, job.data.partition, signal);
    if (job.name === 'companies') {
      const result = await readSharedCompanies(ctx, runId, signal);
      signal.throwIfAborted();
      if (result.status === 'failed') throw new Error(`companies: ${result.error}`);
      return { fetched: result.fetched };
    }
    if (job.name === 'finish') {
      const values = Object.values(await job.getChildrenValues()) as Partial<PartitionPartResult>[];
      const newest = Math.max(0, ...values.map((v) => v?.newest ?? 0));
      return finishSharedRun(ctx, runId, newest);
    }
    throw new UnrecoverableError(`unknown sync part '${job.name}'`);
  };
}
