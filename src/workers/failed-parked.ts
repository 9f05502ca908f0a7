// Records a sync parked because they cannot be stored (intercom_sync.parked_records) as a `failed
// list|retry` source. Every sync that reads a parked record tries it again by itself; retry clears
// the entry, so the next read starts it afresh (and parks it again if it still cannot be stored).
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { clearParkedRecords, listParkedRecords } from '../db/parked-records.js';
import type { FailedItem, FailedSource } from './failed-jobs.js';

/** @example failedSources({ db, queues }) // includes parkedSource(db) */
export function parkedSource(db: Kysely<Database>): FailedSource {
  return {
    prefix: 'parked',
    async list(limit): Promise<FailedItem[]> {
      const rows = await listParkedRecords(db, limit);
      return rows.map((r) => ({
        id: `parked/${r.id}`,
        kind: 'parked',
        queue: null,
        name: `${r.entity} ${r.intercom_id ?? '(no id)'} not stored (${r.source} sync)`,
        failedReason: r.reason,
        attemptsMade: r.attempts,
        timestamp: r.last_failed_at.toISOString(),
      }));
    },
    async retry(ids) {
      const cleared = await clearParkedRecords(
        db,
        ids.map(Number).filter((id) => Number.isSafeInteger(id)),
      );
      return cleared.map(String);
    },
  };
}
