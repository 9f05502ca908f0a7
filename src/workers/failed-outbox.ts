// Local changes that failed for good (outbox rows in state 'failed') as a `failed list|retry`
// source: retry puts them back to pending and enqueues their record's push.
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { failedChanges, retryFailedChanges } from '../db/outbox.js';
import type { FailedItem, FailedSource } from './failed-jobs.js';
import { enqueuePush } from './outbox-listener.js';
import type { PushJob } from './queues.js';

/** @example failedSources({ db, queues }).concat(outboxSource(db, queues.push)) */
export function outboxSource(db: Kysely<Database>, push: Queue<PushJob> | undefined): FailedSource {
  return {
    prefix: 'outbox',
    async list(limit): Promise<FailedItem[]> {
      const rows = await failedChanges(db, limit);
      return rows.map((r) => ({
        id: `outbox/${r.id}`,
        kind: 'outbox',
        queue: null,
        name: `${r.op} ${r.entity} row ${r.row_id} (${r.changed_columns.join(', ')})`,
        failedReason: r.last_error,
        attemptsMade: r.attempts,
        timestamp: r.updated_at.toISOString(),
      }));
    },
    async retry(id) {
      const records = await retryFailedChanges(db, [Number(id)]);
      if (records.length === 0) return false;
      if (push)
        await enqueuePush(
          push,
          records.map((r) => ({ entity: r.entity as PushJob['entity'], rowId: r.row_id })),
          0,
        );
      return true;
    },
  };
}
