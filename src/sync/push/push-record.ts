// Pushes every pending change of one record: claims them, sends what is left after coalescing
// and merging, and finishes them — done, superseded, failed with the reason (it never blocks
// other records), or back to pending when the failure may pass.
import {
  claimRecord,
  failedChangesBefore,
  finishChanges,
  supersedeChanges,
  releaseChanges,
  type OutboxEntity,
  type OutboxRow,
} from '../../db/outbox.js';
import { systemClock } from '../../clock/clock.js';
import { isPermanent, ServiceError } from '../../errors.js';
import { changedFields } from '../../mappers/field-merge.js';
import { DependencyNotPushedError, type PushContext } from './context.js';
import { pushCompany } from './push-company.js';
import { pushContact, type PushResult } from './push-contact.js';
import { pushCompanyLinks, pushNotes } from './push-links.js';
import { pushMerge } from './push-merge.js';
import { pushCompanyTags, pushContactTags, pushTag } from './push-tags.js';

export type PushOutcome = 'pushed' | 'superseded' | 'failed' | 'nothing' | 'retry';

const pushers: Record<
  OutboxEntity,
  (ctx: PushContext, rowId: number, changes: readonly OutboxRow[]) => Promise<PushResult>
> = {
  contact: pushContact,
  company: pushCompany,
  contact_company: pushCompanyLinks,
  note: pushNotes,
  contact_tag: pushContactTags,
  company_tag: pushCompanyTags,
  tag: pushTag,
  merge: pushMerge,
};

/** Thrown so the job is retried later (the changes are back to pending already, due in `retryInMs`). */
export class PushRetryError extends ServiceError {
  override name = 'PushRetryError';
  constructor(
    message: string,
    readonly retryInMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { permanent: false, ...options });
  }
}

/**
 * A failed change whose every field a newer change has now settled (pushed, or found already in
 * Intercom) no longer stands for a local value: it would keep those columns held against the sync.
 */
async function supersedeOlderFailures(
  ctx: PushContext,
  entity: OutboxEntity,
  rowId: number,
  settled: readonly OutboxRow[],
): Promise<void> {
  const failed = await failedChangesBefore(ctx.db, entity, rowId, settled[0]!.id);
  if (failed.length === 0) return;
  const fields = new Set(
    settled.flatMap((c) =>
      c.op === 'delete'
        ? []
        : changedFields({ changedColumns: c.changed_columns, oldData: c.old_data, newData: c.new_data }),
    ),
  );
  const covered = failed.filter((f) =>
    changedFields({ changedColumns: f.changed_columns, oldData: f.old_data, newData: f.new_data }).every(
      (field) => fields.has(field),
    ),
  );
  await supersedeChanges(
    ctx.db,
    covered.map((f) => f.id),
    `superseded by change ${settled.at(-1)!.id} of the same fields`,
  );
}

/**
 * @example const outcome = await pushRecord(ctx, 'contact', 42);
 */
export async function pushRecord(
  ctx: PushContext,
  entity: OutboxEntity,
  rowId: number,
): Promise<PushOutcome> {
  let outcome: PushOutcome = 'nothing';
  // Changes made while a push is in flight are claimed by the next round of this same job.
  for (let round = 0; round < 5; round++) {
    const changes = await claimRecord(ctx.db, entity, rowId);
    if (changes.length === 0) break;
    const ids = changes.map((c) => c.id);
    try {
      const result = await pushers[entity](ctx, rowId, changes);
      const more = await finishChanges(ctx.db, ids, result.superseded ? 'superseded' : 'done');
      if (entity === 'contact' || entity === 'company')
        await supersedeOlderFailures(ctx, entity, rowId, changes);
      ctx.metrics?.recordsSynced.inc({ entity, operation: result.superseded ? 'superseded' : 'pushed' });
      const now = (ctx.clock ?? systemClock).now();
      for (const change of changes)
        ctx.metrics?.pushDelay.observe({ entity }, Math.max(0, (now - change.created_at.getTime()) / 1000));
      // One line per batch of a record's changes, so a daemon's log shows what reached Intercom.
      ctx.log.info(
        { entity, rowId, changes: ids.length, calls: result.calls },
        result.superseded ? 'local changes had nothing left to send' : 'local changes pushed',
      );
      outcome = result.superseded && outcome === 'nothing' ? 'superseded' : 'pushed';
      if (!more) break;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isPermanent(error)) {
        await finishChanges(ctx.db, ids, 'failed', message);
        ctx.log.warn(
          { entity, rowId, err: message },
          'change failed for good; see `intercom-pg-sync failed list`',
        );
        ctx.metrics?.recordsSynced.inc({ entity, operation: 'failed' });
        return 'failed';
      }
      const wait =
        error instanceof DependencyNotPushedError
          ? ctx.push.dependencyWaitMs
          : Math.min(60_000, ctx.push.retryMinDelayMs * 2 ** Math.min(changes[0]!.attempts, 6));
      await releaseChanges(ctx.db, ids, message, wait);
      throw new PushRetryError(`${entity} ${rowId}: ${message}`, wait, { cause: error });
    }
  }
  return outcome;
}
