#!/usr/bin/env bash
# The whole check, as CI runs it: citations, services up, typecheck, lint, every test on real Postgres and Redis.
# Ends with one plain line "tests: N passed, N failed" so any CI can read the outcome.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# Assigned first, so a services failure (its reason is already on stderr) stops the run here
# instead of leaving the tests without DATABASE_URL/REDIS_URL.
services_env="$(bash scripts/services.sh start)"
# shellcheck disable=SC2046
export $(echo "$services_env" | xargs)

echo "== tools (promtool, chromium)"; bash scripts/tools.sh
echo "== citations"; node scripts/check-citations.mjs
mkdir -p .services

# Typecheck and lint are one single-threaded process each: run them side by side on the two cores.
# The typecheck also emits the JavaScript it checked, so the tests can start the CLI compiled (as
# a published package runs it) instead of through tsx: the same code, far less start-up CPU.
echo "== typecheck (and compile for the CLI tests) + lint"
rm -rf .services/build
npx tsc -p . --noEmit false --outDir .services/build > .services/typecheck.log 2>&1 &
typecheck=$!
npx eslint . > .services/lint.log 2>&1 &
lint=$!
typecheck_status=0; wait $typecheck || typecheck_status=$?
lint_status=0; wait $lint || lint_status=$?
echo "-- typecheck"; cat .services/typecheck.log
echo "-- lint"; cat .services/lint.log
if [ $typecheck_status -ne 0 ] || [ $lint_status -ne 0 ]; then
  echo "typecheck exit $typecheck_status, lint exit $lint_status"
  exit 1
fi

echo "== tests"
export INTERCOM_SYNC_TEST_ENTRY=.services/build/src/cli/main.js
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.services/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".services/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
