// Rows an upsert left because they tie the second of our own push (UpsertOptions.tied): an echo of an
// earlier push of that second, or a remote change made right after ours. Intercom's timestamps are
// whole seconds, so the payload cannot tell which; a read made now can
// (docs/local-changes.md#same-second-echoes). One GET per tied record, which only two changes of
// one record within one second cost.
import pMap from 'p-map';
import { isNotFound } from '../intercom/errors.js';
import type { SyncContext } from './context.js';

/**
 * Reads each tied record again and saves what Intercom holds now with `fresh` (a tie then applies).
 * A record Intercom no longer answers for (404: deleted, merged, archived) is left to the syncs
 * and webhooks that say so.
 * @example await rereadTied(ctx, 'contact', tied, (id) => ctx.intercom.contacts.get(id), (read) => saveContacts(ctx, read, { fresh: true }));
 */
export async function rereadTied<Payload>(
  ctx: SyncContext,
  entity: 'contact' | 'company',
  ids: ReadonlySet<string>,
  read: (id: string) => Promise<Payload>,
  save: (payloads: readonly Payload[]) => Promise<unknown>,
): Promise<void> {
  if (ids.size === 0) return;
  ctx.log.info({ entity, ids: [...ids] }, 'a record changed twice within one second; reading it again');
  const found = await pMap(
    ids,
    async (id) => {
      try {
        return [await read(id)];
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    },
    { concurrency: ctx.settings.detailConcurrency },
  );
  await save(found.flat());
}
