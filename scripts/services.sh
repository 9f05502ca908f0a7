#!/usr/bin/env bash
# Starts, reuses, reports and stops the project-local PostgreSQL and Redis that the README commands
# and the tests use. With DATABASE_URL and REDIS_URL both set it starts nothing and uses those.
#
#   scripts/services.sh start    start (or reuse) both, print the env lines to use them
#   scripts/services.sh env      print DATABASE_URL=… and REDIS_URL=… (no start)
#   scripts/services.sh status   say what is running
#   scripts/services.sh stop     stop both (data is kept under .services/)
#   scripts/services.sh pg-start  start (or reuse) Postgres only, print its DATABASE_URL=… (whatever
#                                 DATABASE_URL says: a chaos run's own cluster, test/support/own-postgres.ts)
#   scripts/services.sh pg-stop   stop Postgres only, fast (open connections are cut; data is kept;
#                                 PG_STOP_MODE=immediate skips even the checkpoint)
#
# Settings: SERVICES_DIR (default ./.services), PG_PORT (54329), REDIS_PORT (63799), PG_BIN
# (/usr/lib/postgresql/15/bin or what is on PATH).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${SERVICES_DIR:-$root/.services}"
pg_port="${PG_PORT:-54329}"
redis_port="${REDIS_PORT:-63799}"
pg_data="$dir/pg"
redis_dir="$dir/redis"
db_name="intercom_sync"
default_db_url="postgres://postgres@127.0.0.1:$pg_port/$db_name"
default_redis_url="redis://127.0.0.1:$redis_port"

die() { echo "services: $*" >&2; exit 1; }
note() { echo "services: $*" >&2; }

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/16/bin /usr/lib/postgresql/17/bin; do
    [ -x "$candidate/pg_ctl" ] && { echo "$candidate"; return; }
  done
  local on_path
  on_path="$(command -v pg_ctl 2>/dev/null || true)"
  [ -n "$on_path" ] && { dirname "$on_path"; return; }
  die "PostgreSQL server binaries (pg_ctl, initdb) were not found. Install PostgreSQL 15 (apt-get install postgresql-15) or set DATABASE_URL to a server you already run."
}

# initdb and pg_ctl refuse to run as root; run them as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the database server as. Create it (useradd postgres) or set DATABASE_URL."
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_running() {
  local bin="$1"
  [ -f "$pg_data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1
}

start_pg() {
  local bin
  bin="$(find_pg_bin)"
  mkdir -p "$dir"
  if pg_running "$bin"; then
    return
  fi
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    mkdir -p "$pg_data"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$pg_data" && chmod 700 "$pg_data"
    as_pg "$bin/initdb" -D "$pg_data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed for $pg_data; see $dir/initdb.log"
    cat >>"$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_data'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  as_pg "$bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 start >/dev/null 2>&1 \
    || die "PostgreSQL did not start on 127.0.0.1:$pg_port; see $pg_data/server.log (is the port taken? set PG_PORT)"
  "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "select 1 from pg_database where datname='$db_name'" | grep -q 1 \
    || "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "create database $db_name" >/dev/null \
    || die "could not create database $db_name"
}

redis_bin() {
  command -v redis-server 2>/dev/null && return
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    note "redis-server is missing; installing it with apt-get (once)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >"$dir/apt.log" 2>&1 \
      || die "installing redis-server with apt-get failed; see $dir/apt.log, or set REDIS_URL to a Redis you already run."
    # The Debian package starts its own server on 6379; we run ours on our own port, so stop that one.
    (service redis-server stop || true) >/dev/null 2>&1
    command -v redis-server && return
  fi
  die "redis-server is not installed and cannot be installed here (needs root and apt-get). Install Redis or set REDIS_URL."
}

redis_running() {
  command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG
}

start_redis() {
  mkdir -p "$redis_dir"
  local bin
  bin="$(redis_bin)"
  redis_running && return
  "$bin" --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --daemonize yes \
    --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" --save "" --appendonly no \
    --maxmemory-policy noeviction >/dev/null \
    || die "Redis did not start on 127.0.0.1:$redis_port; see $redis_dir/redis.log (is the port taken? set REDIS_PORT)"
  for _ in $(seq 1 50); do redis_running && return; sleep 0.1; done
  die "Redis did not answer on 127.0.0.1:$redis_port; see $redis_dir/redis.log"
}

print_env() {
  echo "DATABASE_URL=${DATABASE_URL:-$default_db_url}"
  echo "REDIS_URL=${REDIS_URL:-$default_redis_url}"
}

case "${1:-start}" in
  start)
    if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
      print_env; exit 0
    fi
    mkdir -p "$dir"
    [ -z "${DATABASE_URL:-}" ] && start_pg
    [ -z "${REDIS_URL:-}" ] && start_redis
    print_env
    ;;
  env)
    print_env
    ;;
  status)
    bin="$(find_pg_bin)"
    if pg_running "$bin"; then echo "postgres: running on 127.0.0.1:$pg_port ($pg_data)"; else echo "postgres: stopped"; fi
    if redis_running; then echo "redis: running on 127.0.0.1:$redis_port ($redis_dir)"; else echo "redis: stopped"; fi
    ;;
  stop)
    bin="$(find_pg_bin)"
    if pg_running "$bin"; then as_pg "$bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null && echo "postgres: stopped"; fi
    if redis_running; then redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; echo "redis: stopped"; fi
    ;;
  pg-start)
    start_pg
    echo "DATABASE_URL=$default_db_url"
    ;;
  pg-stop)
    bin="$(find_pg_bin)"
    if pg_running "$bin"; then as_pg "$bin/pg_ctl" -D "$pg_data" -m "${PG_STOP_MODE:-fast}" -w stop >/dev/null; fi
    ;;
  *)
    die "unknown command '$1' (use start, env, status, stop, pg-start or pg-stop)"
    ;;
esac
