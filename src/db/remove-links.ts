// Removes single links named by Intercom ids (a webhook says a tag or company was taken off).
import { sql } from 'kysely';
import { withSyncWrites, type Executor } from './sync-writes.js';

const LINKS = {
  contact_tags: {
    parent: 'intercom.contacts',
    child: 'intercom.tags',
    parentColumn: 'contact_id',
    childColumn: 'tag_id',
  },
  contact_companies: {
    parent: 'intercom.contacts',
    child: 'intercom.companies',
    parentColumn: 'contact_id',
    childColumn: 'company_id',
  },
} as const;

/**
 * @example await removeLink(db, 'contact_tags', contactIntercomId, tagIntercomId);
 */
export async function removeLink(
  db: Executor,
  kind: keyof typeof LINKS,
  parentIntercomId: string,
  childIntercomId: string,
): Promise<number> {
  const spec = LINKS[kind];
  return withSyncWrites(db, async (trx) => {
    const result = await sql`
      delete from ${sql.table(`intercom.${kind}`)} l
      using ${sql.table(spec.parent)} p, ${sql.table(spec.child)} c
      where p.intercom_id = ${parentIntercomId} and c.intercom_id = ${childIntercomId}
        and ${sql.ref(`l.${spec.parentColumn}`)} = p.id and ${sql.ref(`l.${spec.childColumn}`)} = c.id`.execute(
      trx,
    );
    return Number(result.numAffectedRows ?? 0);
  });
}
