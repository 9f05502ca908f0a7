// A digest of the contact payload each mirrored row was last written from, so a full pass can tell
// an unchanged contact from its digest alone and not ship the whole row to Postgres to compare
// (bench/full-sync.ts: sending every unchanged row was most of a no-change pass's CPU).
//
// The digest vouches for the row only while nothing else has changed it: any update that changes
// the row but not the digest (a local edit, the sweep's deleted_at, a webhook's archived flag)
// clears it, so the next pass compares and writes the row as before.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table intercom.contacts add column content_hash text;
    create function intercom_sync.clear_content_hash() returns trigger
    language plpgsql as $$
    begin
      new.content_hash := null;
      return new;
    end $$;
    create trigger clear_content_hash before update on intercom.contacts
      for each row
      when (old.content_hash is not null and new.content_hash is not distinct from old.content_hash
            and old.* is distinct from new.*)
      execute function intercom_sync.clear_content_hash();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop trigger if exists clear_content_hash on intercom.contacts;
    drop function if exists intercom_sync.clear_content_hash();
    alter table intercom.contacts drop column if exists content_hash;
  `.execute(db);
}
