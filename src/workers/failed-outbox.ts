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
    async retry(ids) {
      const changes = await retryFailedChanges(db, ids.map(Number).filter((id) => Number.isSafeInteger(id)));
      if (changes.length > 0 && push)
        await enqueuePush(
          push,
          changes.map((r) => ({ entity: r.entity as PushJob['entity'], rowId: r.row_id })),
          0,
        );
      return changes.map((c) => String(c.id));
    },
  };
}
