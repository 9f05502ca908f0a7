// What a contact create attempt sent to identify the person (role, email, phone, name, external_id),
// kept with the attempt: when its answer is lost, the retry looks for the contact that create made
// by these values, not by the row's current ones, which a local edit may have changed meanwhile
// (docs/local-changes.md#one-intercom-record-per-local-row). Null for attempts recorded before.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table intercom_sync.creates add column sent jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table intercom_sync.creates drop column sent`.execute(db);
}
