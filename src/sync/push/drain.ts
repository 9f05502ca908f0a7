// `intercom-pg-sync push`: pushes every pending local change once, records before the links and notes
// that name them, and reports what happened. The daemon does the same continuously.
import pMap from 'p-map';
import { recordsWithPendingChanges, type OutboxEntity } from '../../db/outbox.js';
import type { PushContext } from './context.js';
import { pushRecord, PushRetryError, type PushOutcome } from './push-record.js';

export type DrainSummary = Record<PushOutcome, number> & { records: number };

/**
 * Records first: a note, an attachment or a tag link needs its contact (company, tag) in Intercom
 * already; a merge goes last, after everything written to either contact.
 */
const PHASES: readonly (readonly OutboxEntity[])[] = [
  ['contact', 'company', 'tag'],
  ['contact_company', 'note', 'contact_tag', 'company_tag'],
  ['merge'],
];

/** @example const summary = await drainOutbox(ctx, { concurrency: 16 }); */
export async function drainOutbox(
  ctx: PushContext,
  options: { concurrency?: number } = {},
): Promise<DrainSummary> {
  const summary: DrainSummary = { pushed: 0, superseded: 0, failed: 0, nothing: 0, retry: 0, records: 0 };
  const pending = await recordsWithPendingChanges(ctx.db);
  for (const phase of PHASES) {
    const records = pending.filter((r) => phase.includes(r.entity));
    summary.records += records.length;
    await pMap(
      records,
      async (r) => {
        const outcome = await pushRecord(ctx, r.entity, r.row_id).catch((error: unknown) => {
          if (error instanceof PushRetryError) {
            ctx.log.warn({ err: error.message }, 'push will be retried');
            return 'retry' as const;
          }
          throw error;
        });
        summary[outcome]++;
      },
      { concurrency: options.concurrency ?? 16 },
    );
  }
  return summary;
}
