// The identities (email, external_id) contacts were created under in the last few minutes: search
// shows a new contact that late (docs/intercom-api.md#index-lag), and leads never conflict, so this
// is how a second create of the same person finds the first.
import { sql } from 'kysely';
import type { Executor } from './sync-writes.js';

export interface RecentCreate {
  readonly identity: string;
  readonly row_id: number;
  readonly intercom_id: string | null;
  readonly claimed_at: Date;
}

/**
 * Forgets creates older than `since`, claims each identity not claimed yet for `rowId`, and returns
 * every claim on these identities (this row's included).
 * @example const claims = await claimIdentities(db, ['email:ada@example.com'], 42, cutoff, now);
 */
export async function claimIdentities(
  db: Executor,
  identities: readonly string[],
  rowId: number,
  since: Date,
  now: Date,
): Promise<RecentCreate[]> {
  if (identities.length === 0) return [];
  await sql`delete from intercom_sync.recent_creates where claimed_at < ${since}`.execute(db);
  await sql`
    insert into intercom_sync.recent_creates (identity, row_id, claimed_at)
    select unnest(${[...identities]}::text[]), ${rowId}::bigint, ${now}
    on conflict (identity) do nothing`.execute(db);
  const result = await sql<RecentCreate>`
    select identity, row_id, intercom_id, claimed_at from intercom_sync.recent_creates
    where identity = any(${[...identities]}::text[]) order by identity`.execute(db);
  return result.rows.map((r) => ({ ...r, row_id: Number(r.row_id) }));
}

/** The contact row `rowId`'s claims now name the contact it created. */
export async function settleIdentities(db: Executor, rowId: number, intercomId: string): Promise<void> {
  await db
    .updateTable('intercom_sync.recent_creates')
    .set({ intercom_id: intercomId })
    .where('row_id', '=', rowId)
    .execute();
}

/** A create that did not happen gives its claims back. */
export async function releaseIdentities(db: Executor, rowId: number): Promise<void> {
  await db
    .deleteFrom('intercom_sync.recent_creates')
    .where('row_id', '=', rowId)
    .where('intercom_id', 'is', null)
    .execute();
}

/** Takes over claims another row left in flight for too long (its process died mid-create). */
export async function takeOverIdentities(
  db: Executor,
  identities: readonly string[],
  rowId: number,
  now: Date,
): Promise<void> {
  await db
    .updateTable('intercom_sync.recent_creates')
    .set({ row_id: rowId, claimed_at: now })
    .where('identity', 'in', [...identities])
    .where('intercom_id', 'is', null)
    .execute();
}
