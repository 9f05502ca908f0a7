// The full sync's streams of the workspace's own lists: data attribute definitions (contacts and
// companies, so a write can be checked before it is sent), and admins and teams (so owner ids,
// note authors and assignees join to names). Each is one complete read per pass.
import { saveAdminsAndTeams, saveDataAttributes } from '../db/upsert-workspace.js';
import { withSyncWrites } from '../db/sync-writes.js';
import { mapAdmin, mapDataAttribute, mapTeam } from '../mappers/workspace.js';
import type { SyncContext } from './context.js';
import type { Tally } from './tally.js';

type Report = (done: number, total?: number) => void;
const call = { lane: 'inbound' as const };

/**
 * Reads `GET /data_attributes` for contacts and companies and writes the definitions.
 * @example await syncDataAttributes(ctx, figures, report);
 */
export async function syncDataAttributes(
  ctx: SyncContext,
  figures: Tally,
  report: Report = () => {},
): Promise<void> {
  const [contact, company] = await Promise.all([
    ctx.intercom.dataAttributes.list('contact', call),
    ctx.intercom.dataAttributes.list('company', call),
  ]);
  const rows = [
    ...contact.map((d) => mapDataAttribute(d, 'contact')),
    ...company.map((d) => mapDataAttribute(d, 'company')),
  ];
  figures.add({ fetched: rows.length });
  const { unresolved: _unresolved, ...counts } = await withSyncWrites(ctx.db, (trx) =>
    saveDataAttributes(trx, rows),
  );
  figures.add(counts);
  report(rows.length, rows.length);
}

/**
 * Reads `GET /admins` and `GET /teams` and writes them with their links (team_admins).
 * @example await syncAdminsAndTeams(ctx, figures, report);
 */
export async function syncAdminsAndTeams(
  ctx: SyncContext,
  figures: Tally,
  report: Report = () => {},
): Promise<void> {
  const [admins, teams] = await Promise.all([ctx.intercom.listAdmins(call), ctx.intercom.listTeams(call)]);
  figures.add({ fetched: admins.length + teams.length });
  // Membership as the teams list it, and as the admins do (each side may be the one that carries it).
  const members = new Map<string, Set<string>>();
  const add = (team: unknown, admin: unknown) => {
    const key = String(team);
    if (!members.has(key)) members.set(key, new Set());
    members.get(key)!.add(String(admin));
  };
  for (const t of teams) for (const a of t.admin_ids ?? []) add(t.id, a);
  for (const a of admins) for (const t of a.team_ids ?? []) add(t, a.id);
  const { unresolved: _unresolved, ...counts } = await withSyncWrites(ctx.db, (trx) =>
    saveAdminsAndTeams(
      trx,
      admins.map(mapAdmin),
      teams.map(mapTeam),
      [...members].map(([team, ids]) => ({ team, admins: [...ids] })),
    ),
  );
  figures.add(counts);
  report(admins.length + teams.length, admins.length + teams.length);
}
