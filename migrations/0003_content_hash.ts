// A digest of the payload each mirrored contact and company was last written from, so a full pass
// can tell an unchanged record from its digest alone and not ship the whole row to Postgres to compare
// (bench/full-sync.ts: sending every unchanged row was most of a no-change pass's CPU).
//
// The digest vouches for the row only while nothing else has changed it: any update that changes
// the row but not the digest (a local edit, the sweep's deleted_at, a webhook's archived flag)
// clears it, so the next pass compares and writes the row as before.
import { sql, type Kysely } from 'kysely';

const TABLES = ['contacts', 'companies'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function intercom_sync.clear_content_hash() returns trigger
    language plpgsql as $$
    begin
      new.content_hash := null;
      return new;
    end $$`.execute(db);
  for (const name of TABLES) {
    const table = sql.table(`intercom.${name}`);
    await sql`alter table ${table} add column content_hash text`.execute(db);
    await sql`
      create trigger clear_content_hash before update on ${table}
        for each row
        when (old.content_hash is not null and new.content_hash is not distinct from old.content_hash
              and old.* is distinct from new.*)
        execute function intercom_sync.clear_content_hash()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of TABLES) {
    const table = sql.table(`intercom.${name}`);
    await sql`drop trigger if exists clear_content_hash on ${table}`.execute(db);
    await sql`alter table ${table} drop column if exists content_hash`.execute(db);
  }
  await sql`drop function if exists intercom_sync.clear_content_hash()`.execute(db);
}
