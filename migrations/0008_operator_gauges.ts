// The daemon reads its gauges and the /status page from Postgres every few seconds: failed webhook
// events and each stream's newest success must be found without reading every event or run ever
// stored (both tables only grow).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index webhook_events_failed_idx on intercom_sync.webhook_events (id) where status = 'failed';
    create index run_streams_succeeded_idx on intercom_sync.run_streams (stream, finished_at)
      where status = 'succeeded';
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists intercom_sync.webhook_events_failed_idx;
    drop index if exists intercom_sync.run_streams_succeeded_idx;
  `.execute(db);
}
