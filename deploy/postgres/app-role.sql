-- The role applications use to work with the mirror: intercom_app (NOLOGIN; grant it to your app's
-- login). It may read every table of the mirror (schema intercom) and write what the sync pushes to
-- Intercom, and nothing of the service's own state (schema intercom_sync: outbox, snapshots,
-- conflicts, runs, webhook events, ...). Its writes still reach Intercom: the capture trigger writes
-- the outbox with its owner's rights (migration 0004_least_privilege).
--
-- Run it as the role that runs `intercom-pg-sync migrate` (it owns the tables) or as a superuser,
-- after the first migrate and again after any upgrade (it is idempotent; it re-grants from scratch,
-- in one transaction). Creating the role needs CREATEROLE, once per Postgres cluster:
--
--   intercom-pg-sync migrate
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/postgres/app-role.sql
--   psql "$DATABASE_URL" -c 'GRANT intercom_app TO my_app'       -- your application's login
--
-- (From an npm install the file is node_modules/intercom-pg-sync/deploy/postgres/app-role.sql.)
--
-- What intercom_app may write, and why only that:
--   contacts, companies  INSERT, UPDATE of the columns the push sends, and DELETE (a deleted row
--                        deletes the record in Intercom). Not intercom_id: it says which Intercom
--                        record a row stands for, so writing it would point a push (or a delete) at
--                        any record in the workspace. Not raw, content_hash, deleted_at, timestamps
--                        the API owns: the sync writes those, and Intercom never hears of them.
--   notes                INSERT (contact_id, author_id, body): Intercom's API cannot edit or delete a
--                        note, so an UPDATE or DELETE could only fail.
--   contact_companies    INSERT and DELETE (attach and detach).
--   contact_tags,        INSERT and DELETE (tag and untag).
--   company_tags
--   tags                 INSERT, UPDATE and DELETE of name (create, rename, delete a tag by name).
--   contact_merges       INSERT (from_contact_id, into_contact_id): asks for a lead to be merged into
--                        a user; the push writes the outcome (status, error) into the row.
--   segments, data_attributes, admins, teams and team_admins are read-only: the push does not send
--   them, so a local change would be silently replaced by the next sync.
-- No sequence privileges: ids come from identity columns, whose default needs none, and the role
-- may not choose an id itself (no INSERT on id), so nextval() would be of no use to it.

begin;

do $$
begin
  create role intercom_app nologin;
exception
  -- Another session created it first (roles are shared by every database of the cluster).
  when duplicate_object or unique_violation then null;
end $$;

-- From scratch: whatever an earlier run (or an administrator) granted goes first.
revoke all on all tables in schema intercom, intercom_sync from intercom_app;
revoke all on all sequences in schema intercom, intercom_sync from intercom_app;
revoke all on all functions in schema intercom_sync from intercom_app;
revoke all on schema intercom_sync from intercom_app;

grant usage on schema intercom to intercom_app;
grant select on all tables in schema intercom to intercom_app;

grant insert (role, external_id, email, phone, name, avatar, last_seen_at, signed_up_at, owner_id,
              unsubscribed_from_emails, custom_attributes, archived),
      update (role, external_id, email, phone, name, avatar, last_seen_at, signed_up_at, owner_id,
              unsubscribed_from_emails, custom_attributes, archived),
      delete
  on intercom.contacts to intercom_app;
grant insert (company_id, name, plan, size, website, industry, monthly_spend, custom_attributes,
              remote_created_at),
      update (company_id, name, plan, size, website, industry, monthly_spend, custom_attributes,
              remote_created_at),
      delete
  on intercom.companies to intercom_app;
grant insert (contact_id, author_id, body) on intercom.notes to intercom_app;
grant insert, delete on intercom.contact_companies to intercom_app;
grant insert, delete on intercom.contact_tags, intercom.company_tags to intercom_app;
grant insert (name), update (name), delete on intercom.tags to intercom_app;
grant insert (from_contact_id, into_contact_id) on intercom.contact_merges to intercom_app;

commit;
