#!/usr/bin/env bash
# The README's first command (`npm run demo`): the daemon doing its job on the bundled Intercom
# sandbox. Starts (or reuses) the local Postgres and Redis, gives the demo a fresh database and
# Redis prefix, then runs scripts/demo/run.ts, which tells the story and stops what it started.
#   DEMO_CONTACTS (5000) DEMO_COMPANIES (500) DEMO_LATENCY_MS (20); with DATABASE_URL and REDIS_URL
#   set, those servers are used (the demo still creates its own database on that server).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

bold "== services (Postgres, Redis)"
# Assigned first, so a services failure (its reason is already on stderr) stops the demo here.
services_env="$(bash scripts/services.sh start)"
while IFS='=' read -r name value; do
  case "$name" in DATABASE_URL | REDIS_URL) export "$name=$value" ;; esac
done <<<"$services_env"
: "${DATABASE_URL:?scripts/services.sh printed no DATABASE_URL}" "${REDIS_URL:?scripts/services.sh printed no REDIS_URL}"

# A fresh database and Redis prefix each run, so every run shows the same thing from the start.
stamp="$(date +%s)_$$"
demo_db="intercom_sync_demo_$stamp"
node -e '
  const pg = require("pg");
  const [url, name] = process.argv.slice(1);
  const client = new pg.Client({ connectionString: url });
  client.connect()
    .then(async () => {
      // Databases of runs started over an hour ago (their names carry the time), then this run'"'"'s own.
      const old = await client.query("select datname from pg_database where datname like $1", ["intercom\\_sync\\_demo\\_%"]);
      const hourAgo = Date.now() / 1000 - 3600;
      for (const { datname } of old.rows)
        if (Number(datname.split("_")[3]) < hourAgo) await client.query(`drop database if exists "${datname}" with (force)`);
      await client.query(`create database "${name}"`);
    })
    .then(() => client.end())
    .catch((error) => { console.error(`demo: cannot create the demo database on ${url.replace(/:[^:@/]*@/, ":…@")}: ${error.message}`); process.exit(1); });
' "$DATABASE_URL" "$demo_db"
DATABASE_URL="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$DATABASE_URL" "$demo_db")"
export DATABASE_URL REDIS_PREFIX="demo_$stamp"
echo "DATABASE_URL=$DATABASE_URL"
echo "REDIS_URL=$REDIS_URL (key prefix $REDIS_PREFIX)"

exec node --import tsx scripts/demo/run.ts
