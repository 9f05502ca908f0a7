// The job schedulers: nightly full sync, incremental sync every few minutes, the sweeper. Upserted
// by every daemon at start; BullMQ keeps one scheduler per id, so N daemons still run each once.
import type { Queues } from './queues.js';

export interface ScheduleSettings {
  readonly fullSyncCron: string;
  readonly incrementalEveryMs: number;
  readonly sweepEveryMs: number;
}

/** @example await upsertSchedules(queues, { fullSyncCron: '0 3 * * *', incrementalEveryMs: 300_000, sweepEveryMs: 30_000 }); */
export async function upsertSchedules(queues: Queues, settings: ScheduleSettings): Promise<void> {
  await queues.sync.upsertJobScheduler(
    'nightly-full-sync',
    { pattern: settings.fullSyncCron },
    {
      name: 'full',
      data: { trigger: 'schedule' },
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
    },
  );
  await queues.sync.upsertJobScheduler(
    'incremental-sync',
    { every: settings.incrementalEveryMs },
    { name: 'incremental', data: { trigger: 'schedule' }, opts: { attempts: 1 } },
  );
  await queues.sweeper.upsertJobScheduler(
    'sweeper',
    { every: settings.sweepEveryMs },
    { name: 'sweep', data: {}, opts: { attempts: 1 } },
  );
}
