#!/usr/bin/env bash
# The whole check, as CI runs it: citations, services up, typecheck, lint, every test on real Postgres and Redis.
# Ends with one plain line "tests: N passed, N failed" so any CI can read the outcome.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# shellcheck disable=SC2046
export $(bash scripts/services.sh start | xargs)

echo "== citations"; node scripts/check-citations.mjs
echo "== typecheck"; npx tsc --noEmit -p .
echo "== lint"; npx eslint .
echo "== tests"
mkdir -p .services
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.services/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".services/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
