// What each contact's cut list (tags or companies past 10) looked like when it was last read whole.
// Intercom's embedded total_count can disagree with its own list endpoint for good (14 embedded, 11
// listed: docs/intercom-api.md#lists-cut-at-10), so "the counts differ" alone would re-read such a
// list on every pass; the sync reads it once per change of what the contact embeds, then trusts it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table intercom_sync.cut_list_reads (
      contact_id bigint not null references intercom.contacts (id) on delete cascade,
      list text not null check (list in ('tags', 'companies')),
      -- The embedded list's total_count and the ids it showed, when it was read.
      embedded text not null,
      read_at timestamptz not null default now(),
      primary key (contact_id, list)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table intercom_sync.cut_list_reads`.execute(db);
}
