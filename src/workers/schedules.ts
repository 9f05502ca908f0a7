// The job schedulers: nightly full sync, incremental sync every few minutes, the sweeper. Upserted
// by every daemon at start; BullMQ keeps one scheduler per id, so N daemons still run each once.
// Schedulers live in Redis only, so a daemon also puts back any that a flushed or restarted Redis lost.
import type { Logger } from '../observability/logger.js';
import type { Queues } from './queues.js';

export interface ScheduleSettings {
  readonly fullSyncCron: string;
  readonly incrementalEveryMs: number;
  readonly sweepEveryMs: number;
}

export const SCHEDULER_IDS = {
  full: 'nightly-full-sync',
  incremental: 'incremental-sync',
  sweeper: 'sweeper',
} as const;

/** @example await upsertSchedules(queues, { fullSyncCron: '0 3 * * *', incrementalEveryMs: 300_000, sweepEveryMs: 30_000 }); */
export async function upsertSchedules(queues: Queues, settings: ScheduleSettings): Promise<void> {
  await queues.sync.upsertJobScheduler(
    SCHEDULER_IDS.full,
    { pattern: settings.fullSyncCron },
    {
      name: 'full',
      data: { trigger: 'schedule' },
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
    },
  );
  await queues.sync.upsertJobScheduler(
    SCHEDULER_IDS.incremental,
    { every: settings.incrementalEveryMs },
    { name: 'incremental', data: { trigger: 'schedule' }, opts: { attempts: 1 } },
  );
  await queues.sweeper.upsertJobScheduler(
    SCHEDULER_IDS.sweeper,
    { every: settings.sweepEveryMs },
    { name: 'sweep', data: {}, opts: { attempts: 1 } },
  );
}

/**
 * Upserts the schedulers again if any is missing (Redis was flushed or restarted without
 * persistence); leaves them alone otherwise, so an `every` slot is not reset. Returns whether it
 * had to put them back.
 * @example setInterval(() => void ensureSchedules(queues, settings), 60_000);
 */
export async function ensureSchedules(queues: Queues, settings: ScheduleSettings): Promise<boolean> {
  const present = await Promise.all([
    queues.sync.getJobScheduler(SCHEDULER_IDS.full),
    queues.sync.getJobScheduler(SCHEDULER_IDS.incremental),
    queues.sweeper.getJobScheduler(SCHEDULER_IDS.sweeper),
  ]);
  if (present.every(Boolean)) return false;
  await upsertSchedules(queues, settings);
  return true;
}

/**
 * Upserts the schedulers, then checks every `checkEveryMs` that they still exist in Redis: after a
 * FLUSHALL or a restart without persistence nothing would run again (not even the sweeper that
 * recovers the webhooks) until a daemon restarted. Returns the function that stops the checks.
 * @example const stop = await keepSchedules(queues, settings, 60_000, log);
 */
export async function keepSchedules(
  queues: Queues,
  settings: ScheduleSettings,
  checkEveryMs: number,
  log: Logger,
): Promise<() => void> {
  await upsertSchedules(queues, settings);
  const timer = setInterval(
    () =>
      void ensureSchedules(queues, settings).then(
        (restored) => restored && log.warn('job schedulers were missing from Redis; put them back'),
        (error: unknown) => log.warn({ err: (error as Error).message }, 'could not check the job schedulers'),
      ),
    checkEveryMs,
  );
  timer.unref();
  return () => clearInterval(timer);
}
