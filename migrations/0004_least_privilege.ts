// Local writes are captured with the service's rights, not the writer's, so an application role
// needs no rights on intercom_sync at all: it edits the mirror, and only the trigger writes the
// outbox. Before this, capture ran as the caller, every app role needed INSERT on the outbox, and a
// forged `op = 'delete'` row could delete any contact in Intercom. The role applications use is set
// up by deploy/postgres/app-role.sql (README "Security"): roles are cluster-wide and need CREATEROLE,
// which the migrating role should not need.
//
// capture_change runs as its owner (the role that migrates) with a fixed search_path, so nothing an
// app puts on its own path (a table or operator named like ours) runs with the owner's rights. The
// body is 0002's, with one more condition: a session may have the sync's snapshot refresh applied to
// its writes (`intercom_sync.origin = 'sync'`, which anyone can set) only if it may write snapshots
// itself; otherwise an app could rewrite the merge base of a record behind the push's back.
import { sql, type Kysely, type RawBuilder } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await captureFunction({
    runAs: sql`security definer set search_path = pg_catalog, pg_temp`,
    syncOriginGuard: sql`and has_table_privilege(session_user, 'intercom_sync.snapshots', 'INSERT')`,
  }).execute(db);
  await sql`
    alter function intercom_sync.capture_change() owner to current_user;
    revoke all on function intercom_sync.capture_change() from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Replacing the function resets it to the caller's rights and the caller's search_path.
  await captureFunction({ runAs: sql``, syncOriginGuard: sql`` }).execute(db);
  await sql`grant execute on function intercom_sync.capture_change() to public`.execute(db);
}

interface CaptureVariant {
  /** Whose rights it runs with, and on which search_path. */
  readonly runAs: RawBuilder<unknown>;
  /** Extra condition for refreshing a snapshot from a sync write. */
  readonly syncOriginGuard: RawBuilder<unknown>;
}

/** 0002's capture function (every name in it is schema-qualified, so a fixed search_path is safe). */
function captureFunction({ runAs, syncOriginGuard }: CaptureVariant) {
  return sql`
    create or replace function intercom_sync.capture_change() returns trigger
    language plpgsql ${runAs} as $$
    declare
      entity_name text := tg_argv[0];
      old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) - 'raw' end;
      new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) - 'raw' end;
      changed text[];
      record_id bigint;
    begin
      -- The snapshot is Intercom's state as last seen, kept only while local changes wait: the
      -- first local change seeds it with the row as the sync left it, and the sync's writes to a
      -- row with changes waiting refresh it. The push merges against it, field by field.
      if coalesce(current_setting('intercom_sync.origin', true), '') = 'sync' then
        if tg_op = 'UPDATE' and entity_name in ('contact', 'company') and exists (
            select 1 from intercom_sync.outbox o
            where o.entity = entity_name and o.row_id = (new_row ->> 'id')::bigint
              and o.state in ('pending', 'in_flight')) ${syncOriginGuard} then
          insert into intercom_sync.snapshots as s (entity, row_id, intercom_id, data, remote_updated_at)
          values (entity_name, (new_row ->> 'id')::bigint, new_row ->> 'intercom_id', new_row,
                  (new_row ->> 'updated_at')::timestamptz)
          on conflict (entity, row_id) do update
            set intercom_id = excluded.intercom_id, data = excluded.data,
                remote_updated_at = excluded.remote_updated_at, agreed_at = now();
        end if;
        return null;
      end if;
      -- Columns whose value changed (every column on insert and delete).
      select coalesce(array_agg(key order by key), '{}') into changed
      from jsonb_object_keys(coalesce(new_row, old_row)) as key
      where tg_op <> 'UPDATE' or (new_row -> key) is distinct from (old_row -> key);
      if cardinality(changed) = 0 then
        return null;
      end if;
      -- A link is pushed as part of its contact: the outbox names the contact's local id.
      record_id := case when entity_name = 'contact_company'
        then coalesce(new_row ->> 'contact_id', old_row ->> 'contact_id')::bigint
        else coalesce(new_row ->> 'id', old_row ->> 'id')::bigint end;
      if tg_op = 'UPDATE' and entity_name in ('contact', 'company') and old_row ->> 'intercom_id' is not null and not exists (
          select 1 from intercom_sync.outbox o
          where o.entity = entity_name and o.row_id = record_id and o.state in ('pending', 'in_flight')) then
        insert into intercom_sync.snapshots as s (entity, row_id, intercom_id, data, remote_updated_at)
        values (entity_name, record_id, old_row ->> 'intercom_id', old_row, (old_row ->> 'updated_at')::timestamptz)
        on conflict (entity, row_id) do update
          set intercom_id = excluded.intercom_id, data = excluded.data,
              remote_updated_at = excluded.remote_updated_at, agreed_at = now();
      end if;
      insert into intercom_sync.outbox (entity, row_id, op, changed_columns, old_data, new_data)
      values (entity_name, record_id, lower(tg_op), changed, old_row, new_row);
      perform pg_notify('intercom_sync_outbox', entity_name || ':' || record_id);
      return null;
    end $$`;
}
