// The workspace's small lists, read whole on every full pass: data attribute definitions, admins,
// teams and which admins are in which team. A list read whole is complete, so what it lacks is
// marked deleted in the same transaction.
import { sql } from 'kysely';
import { adminCatalog, dataAttributeCatalog, teamCatalog } from '../mappers/catalog/workspace.js';
import type { AdminRow, DataAttributeRow, TeamRow } from '../mappers/workspace.js';
import {
  addCounts,
  catalogColumns,
  upsertMirrorRows,
  type MirrorTableSpec,
  type UpsertCounts,
} from './mirror-upsert.js';
import type { Executor } from './sync-writes.js';

const dataAttributesTable: MirrorTableSpec<DataAttributeRow> = {
  table: 'intercom.data_attributes',
  columns: catalogColumns<DataAttributeRow>(dataAttributeCatalog),
  ordered: false,
  revive: ['deleted_at'],
};
const adminsTable: MirrorTableSpec<AdminRow> = {
  table: 'intercom.admins',
  columns: catalogColumns<AdminRow>(adminCatalog),
  ordered: false,
  revive: ['deleted_at'],
};
const teamsTable: MirrorTableSpec<TeamRow> = {
  table: 'intercom.teams',
  columns: catalogColumns<TeamRow>(teamCatalog),
  ordered: false,
  revive: ['deleted_at'],
};

type ListTable = 'intercom.data_attributes' | 'intercom.admins' | 'intercom.teams';

/** Marks the rows of `table` a complete list did not hold as deleted; returns how many. */
async function markMissing(trx: Executor, table: ListTable, seen: readonly string[]): Promise<number> {
  const result = await sql`
    update ${sql.table(table)} set deleted_at = now()
    where deleted_at is null and intercom_id is not null and intercom_id <> all(${[...seen]}::text[])`.execute(
    trx,
  );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Writes every data attribute definition (both models), marking the ones no longer listed deleted.
 * @example await saveDataAttributes(trx, rows);
 */
export async function saveDataAttributes(
  trx: Executor,
  rows: readonly DataAttributeRow[],
): Promise<UpsertCounts & { deleted: number }> {
  const counts = await upsertMirrorRows(trx, dataAttributesTable, rows);
  return {
    ...counts,
    deleted: await markMissing(
      trx,
      'intercom.data_attributes',
      rows.map((r) => r.intercom_id),
    ),
  };
}

/** Membership of teams, by Intercom ids. */
export interface TeamMembers {
  readonly team: string;
  readonly admins: readonly string[];
}

/**
 * Writes admins and teams, marks the unlisted ones deleted, and makes team_admins exactly `members`.
 * @example await saveAdminsAndTeams(trx, admins, teams, [{ team: '5001', admins: ['990001'] }]);
 */
export async function saveAdminsAndTeams(
  trx: Executor,
  admins: readonly AdminRow[],
  teams: readonly TeamRow[],
  members: readonly TeamMembers[],
): Promise<UpsertCounts & { deleted: number }> {
  const counts = addCounts(
    await upsertMirrorRows(trx, adminsTable, admins),
    await upsertMirrorRows(trx, teamsTable, teams),
  );
  const deleted =
    (await markMissing(
      trx,
      'intercom.admins',
      admins.map((a) => a.intercom_id),
    )) +
    (await markMissing(
      trx,
      'intercom.teams',
      teams.map((t) => t.intercom_id),
    ));
  const pairs = members.flatMap((m) => m.admins.map((admin) => [m.team, admin] as const));
  // Only the pairs that changed are written, so a pass that finds the same teams writes nothing.
  await sql`
    with wanted as (
      select t.id as team_id, a.id as admin_id
      from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as m(team, admin)
      join intercom.teams t on t.intercom_id = m.team
      join intercom.admins a on a.intercom_id = m.admin),
    removed as (
      delete from intercom.team_admins ta
      where not exists (select 1 from wanted w where w.team_id = ta.team_id and w.admin_id = ta.admin_id))
    insert into intercom.team_admins (team_id, admin_id)
    select team_id, admin_id from wanted on conflict do nothing`.execute(trx);
  return { ...counts, deleted };
}

/**
 * The definitions of one model's custom and standard attributes, by name (for the push's checks).
 * @example const defs = await attributeDefinitions(db, 'contact');
 */
export async function attributeDefinitions(
  db: Executor,
  model: 'contact' | 'company',
): Promise<Map<string, { data_type: string; api_writable: boolean | null; custom: boolean | null }>> {
  const rows = await db
    .selectFrom('intercom.data_attributes')
    .select(['name', 'data_type', 'api_writable', 'custom'])
    .where('model', '=', model)
    .where('deleted_at', 'is', null)
    // Only custom attributes go in custom_attributes; a standard one may share a custom one's name.
    .where((eb) => eb.or([eb('custom', '=', true), eb('full_name', 'like', 'custom_attributes.%')]))
    .execute();
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Records an attribute the push created, and for which local change.
 * @example await recordCreatedAttribute(db, { model: 'contact', name: 'seats', data_type: 'integer', entity: 'contact', row_id: 4 });
 */
export async function recordCreatedAttribute(
  db: Executor,
  created: { model: string; name: string; data_type: string; entity: string; row_id: number },
): Promise<void> {
  await db.insertInto('intercom_sync.created_attributes').values(created).execute();
}

/**
 * Writes some definitions without marking others deleted (a push re-reading one model's list).
 * @example await upsertDataAttributes(db, rows);
 */
export function upsertDataAttributes(db: Executor, rows: readonly DataAttributeRow[]): Promise<UpsertCounts> {
  return upsertMirrorRows(db, dataAttributesTable, rows);
}
