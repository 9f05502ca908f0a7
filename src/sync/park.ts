// Parks one record a sync could not store, under its Intercom id (or its payload's digest), with a
// reason an operator can act on; logged too, so the reason is seen even before `failed list`.
import { parkRecords, type ParkedEntity } from '../db/parked-records.js';
import { contentHash } from '../mappers/content-hash.js';
import { idOf } from '../mappers/invalid-payload.js';
import type { SyncContext } from './context.js';

/** Where parked records came from, and the run that met them. */
export interface ParkSource {
  /** `full` or `incremental`. */
  readonly source: string;
  readonly runId?: number | undefined;
}

/**
 * @example await parkPayload(ctx, 'company', payload, `Postgres refused it: ${error.message}`, { source: 'full', runId });
 */
export async function parkPayload(
  ctx: Pick<SyncContext, 'db' | 'log'>,
  entity: ParkedEntity,
  payload: unknown,
  reason: string,
  from: ParkSource,
): Promise<void> {
  const intercomId = idOf(payload);
  ctx.log.warn(
    { entity, intercomId, reason, source: from.source },
    `parked a ${entity} that cannot be stored`,
  );
  await parkRecords(ctx.db, [
    {
      entity,
      recordKey: intercomId ?? `payload:${contentHash(payload)}`,
      intercomId,
      source: from.source,
      reason,
      payload,
      runId: from.runId,
    },
  ]);
}

/** The reason stored for a batch Postgres refused: its message, and its detail when it has one. */
export function refusalReason(error: Error): string {
  const detail = (error as { detail?: unknown }).detail;
  return `Postgres refused it: ${error.message}${typeof detail === 'string' && detail ? ` (${detail})` : ''}`;
}
