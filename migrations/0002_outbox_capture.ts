// Captures local writes to the mirror into the outbox, so they can be pushed to Intercom.
// The sync's own writes set `intercom_sync.origin = 'sync'` (withSyncWrites) and are skipped:
// nothing the sync wrote is ever pushed back (docs/design.md#principle-3: no echo).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function intercom_sync.capture_change() returns trigger
    language plpgsql as $$
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
              and o.state in ('pending', 'in_flight')) then
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
    end $$;

    create trigger capture_change after insert or update or delete on intercom.contacts
      for each row execute function intercom_sync.capture_change('contact');
    create trigger capture_change after insert or update or delete on intercom.companies
      for each row execute function intercom_sync.capture_change('company');
    create trigger capture_change after insert or update or delete on intercom.contact_companies
      for each row execute function intercom_sync.capture_change('contact_company');
    create trigger capture_change after insert or update or delete on intercom.notes
      for each row execute function intercom_sync.capture_change('note');

    -- The sweeper's questions: what is pending, and what has been in flight for too long.
    create index outbox_state_updated_idx on intercom_sync.outbox (state, updated_at)
      where state in ('pending', 'in_flight');
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop trigger if exists capture_change on intercom.contacts;
    drop trigger if exists capture_change on intercom.companies;
    drop trigger if exists capture_change on intercom.contact_companies;
    drop trigger if exists capture_change on intercom.notes;
    drop function if exists intercom_sync.capture_change();
    drop index if exists intercom_sync.outbox_state_updated_idx;
  `.execute(db);
}
