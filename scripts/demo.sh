#!/usr/bin/env bash
# The README's first command: the real sync against the bundled Intercom sandbox, end to end.
# Starts local Postgres + Redis, migrates, starts the sandbox with seed data, runs a full sync,
# shows what landed in Postgres, changes a contact "in Intercom" and syncs it incrementally.
#   DEMO_CONTACTS (5000) DEMO_COMPANIES (500) DEMO_PORT (4010) DEMO_LATENCY_MS (20)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

contacts="${DEMO_CONTACTS:-5000}"
companies="${DEMO_COMPANIES:-500}"
port="${DEMO_PORT:-4010}"
latency="${DEMO_LATENCY_MS:-20}"

[ -d node_modules ] || npm ci --no-audit --no-fund
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "services (Postgres, Redis)"
own_database="${DATABASE_URL:-}"
# shellcheck disable=SC2046
export $(bash scripts/services.sh start | xargs)
pg_bin="$(dirname "$(command -v psql 2>/dev/null || echo /usr/lib/postgresql/15/bin/psql)")"
if [ -z "$own_database" ]; then
  # On the local services the demo gets a fresh database each run, so every run shows the same.
  admin_url="${DATABASE_URL%/*}/postgres"
  "$pg_bin/psql" "$admin_url" -qc "drop database if exists intercom_sync_demo with (force)" -c "create database intercom_sync_demo"
  export DATABASE_URL="${DATABASE_URL%/*}/intercom_sync_demo"
  export REDIS_PREFIX="demo$(date +%s)"
fi
echo "DATABASE_URL=$DATABASE_URL"
echo "REDIS_URL=$REDIS_URL"
psql() { "$pg_bin/psql" "$DATABASE_URL" -v ON_ERROR_STOP=1 -P pager=off "$@"; }

say "migrate"
node bin/intercom-pg-sync.js migrate

say "sandbox: $contacts contacts, $companies companies, ${latency} ms latency, 10,000 calls/min"
log="$(mktemp)"
node bin/intercom-pg-sync.js sandbox --port "$port" --contacts "$contacts" --companies "$companies" --seed 1 \
  --latency-ms "$latency" --rate-limit 10000 >"$log" 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do grep -q '^listening on' "$log" && break; sleep 0.2; done
grep -q '^listening on' "$log" || { cat "$log"; echo "the sandbox did not start" >&2; exit 1; }
cat "$log"

export INTERCOM_BASE_URL="http://127.0.0.1:$port" INTERCOM_TOKEN=sandbox-token RATE_LIMIT_PER_MINUTE=10000

say "intercom-pg-sync sync full"
node bin/intercom-pg-sync.js sync full

say "what is in Postgres now"
psql -c "
  select 'contacts' as table, count(*) filter (where deleted_at is null) as live, count(*) as rows from intercom.contacts
  union all select 'companies', count(*) filter (where deleted_at is null), count(*) from intercom.companies
  union all select 'tags', count(*) filter (where deleted_at is null), count(*) from intercom.tags
  union all select 'segments', count(*) filter (where deleted_at is null), count(*) from intercom.segments
  union all select 'notes', count(*) filter (where deleted_at is null), count(*) from intercom.notes
  union all select 'contact_companies', count(*), count(*) from intercom.contact_companies
  union all select 'contact_tags', count(*), count(*) from intercom.contact_tags"
psql -c "
  select c.name, c.email, c.role, co.name as company, count(t.tag_id) as tags
  from intercom.contacts c
  left join intercom.contact_companies cc on cc.contact_id = c.id
  left join intercom.companies co on co.id = cc.company_id
  left join intercom.contact_tags t on t.contact_id = c.id
  where c.deleted_at is null
  group by c.id, co.id order by count(t.tag_id) desc, c.id limit 5"

say "a second full sync writes nothing (every row is unchanged)"
node bin/intercom-pg-sync.js sync full --only contacts

say "an agent edits a contact in Intercom; the incremental sync brings it over"
id="$(psql -tAc "select intercom_id from intercom.contacts where deleted_at is null order by id limit 1")"
curl -fsS -X PATCH "http://127.0.0.1:$port/_sandbox/contacts/$id" -H 'content-type: application/json' \
  -d '{"name":"Ada Lovelace (edited in Intercom)"}' >/dev/null
node bin/intercom-pg-sync.js sync incremental
psql -c "select intercom_id, name, updated_at from intercom.contacts where intercom_id = '$id'"

say "writing to Intercom: edit a row in Postgres, add a note, push"
export INTERCOM_ADMIN_ID="$(curl -fsS -H 'authorization: Bearer sandbox-token' "http://127.0.0.1:$port/admins" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);console.log((b.admins??b.data)[0].id)})')"
psql -c "update intercom.contacts set name = 'Grace Hopper (edited in Postgres)',
           custom_attributes = custom_attributes || '{\"plan_tier\": \"gold\"}' where intercom_id = '$id'"
psql -c "insert into intercom.notes (contact_id, body)
         select id, '<p>Written in Postgres, pushed by intercom-sync</p>' from intercom.contacts where intercom_id = '$id'"
psql -c "select entity, op, changed_columns, state from intercom_sync.outbox order by id"
node bin/intercom-pg-sync.js push
echo "Intercom (the sandbox) now has:"
curl -fsS -H 'authorization: Bearer sandbox-token' "http://127.0.0.1:$port/contacts/$id" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s);console.log(JSON.stringify({name:c.name,plan_tier:c.custom_attributes.plan_tier,notes:c.notes.total_count??c.notes.data.length}))})'

say "intercom-pg-sync verify (Postgres and Intercom agree)"
node bin/intercom-pg-sync.js verify

say "intercom-pg-sync status"
node bin/intercom-pg-sync.js status
