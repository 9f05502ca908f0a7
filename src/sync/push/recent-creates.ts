// Before a contact is created: has the same person (email, or a user's external_id) been created in
// the last SEARCH_LAG_SECONDS? Search cannot say yet and a lead never conflicts, so the push
// remembers its creates by identity. A create of that identity still in flight is waited for; one
// done is that contact, never a second one.
import { intercomIdOfRow } from '../../db/local-ids.js';
import { recordConflicts } from '../../db/conflicts.js';
import { claimIdentities, takeOverIdentities } from '../../db/recent-creates.js';
import { PushRejectedError } from '../../mappers/push-input.js';
import { DependencyNotPushedError, type PushContext } from './context.js';

/** A claim in flight this long belongs to a create that died (a create is one call). */
const STALE_CLAIM_MS = 120_000;

/**
 * The identities Intercom matches a contact by: the email (lower-cased) for both roles, and the
 * external_id of a user (a lead's is ignored, docs/intercom-api.md#roles-and-leads).
 * @example identitiesOf({ role: 'lead', email: 'Ada@Example.com' }) // → ['email:ada@example.com']
 */
export function identitiesOf(row: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  if (typeof row.email === 'string' && row.email !== '') out.push(`email:${row.email.toLowerCase()}`);
  if (row.role === 'user' && typeof row.external_id === 'string' && row.external_id !== '')
    out.push(`external_id:${row.external_id}`);
  return out;
}

/**
 * What to do with a create of `row`: `create` it (its identities are now claimed for it), or
 * `adopt` the contact this very row already created (its answer was lost). Throws
 * DependencyNotPushedError while another row's create of the same person is in flight, and
 * PushRejectedError (with an open conflict) when another row created that person moments ago.
 * @example const plan = await planCreate(ctx, row);
 */
export async function planCreate(
  ctx: PushContext,
  row: Readonly<Record<string, unknown>> & { id: number },
): Promise<{ kind: 'create' } | { kind: 'adopt'; intercomId: string }> {
  const identities = identitiesOf(row);
  const windowSeconds = ctx.push.recentCreateSeconds ?? 0;
  if (identities.length === 0 || windowSeconds === 0) return { kind: 'create' };
  const now = ctx.clock?.now() ?? Date.now();
  const claims = await claimIdentities(
    ctx.db,
    identities,
    row.id,
    new Date(now - windowSeconds * 1000),
    new Date(now),
  );
  const own = claims.find((c) => c.row_id === row.id && c.intercom_id !== null);
  if (own) return { kind: 'adopt', intercomId: own.intercom_id! };
  const others = claims.filter((c) => c.row_id !== row.id);
  for (const other of others) {
    if (other.intercom_id === null) {
      if (now - other.claimed_at.getTime() > STALE_CLAIM_MS) continue;
      throw new DependencyNotPushedError(
        `contact row ${other.row_id} is being created under the same ${kindOf(other.identity)}; this create waits for it`,
      );
    }
    // Only if the first row still stands for that contact: deleted since, it is no duplicate.
    if ((await intercomIdOfRow(ctx.db, 'intercom.contacts', other.row_id)) !== other.intercom_id) continue;
    await recordConflicts(ctx.db, [
      {
        entity: 'contact',
        rowId: row.id,
        intercomId: other.intercom_id,
        kind: 'api_conflict',
        status: 'open',
        detail: { reason: 'recent_create', identity: other.identity, linkedRowId: other.row_id },
      },
    ]);
    throw new PushRejectedError(
      `contact row ${other.row_id} created this ${kindOf(other.identity)} in Intercom moments ago (id=${other.intercom_id}); ` +
        'creating it again would make a duplicate, so this row waits as an open conflict (see `intercom-sync conflicts list`)',
    );
  }
  const stale = others.filter((c) => c.intercom_id === null).map((c) => c.identity);
  if (stale.length > 0) await takeOverIdentities(ctx.db, stale, row.id, new Date(now));
  return { kind: 'create' };
}

function kindOf(identity: string): string {
  return identity.startsWith('email:')
    ? `email (${identity.slice(6)})`
    : `external_id (${identity.slice(12)})`;
}
