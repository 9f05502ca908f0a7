#!/usr/bin/env bash
# Installs the programs the tests drive besides Node, Postgres and Redis, when they are missing:
# promtool (Debian's `prometheus` package: checks and unit-tests deploy/prometheus/) and Chromium
# (the headless browser the /status page test loads it in). Run by scripts/test.sh; safe to rerun.
#
#   scripts/tools.sh           install what is missing (needs root and apt-get), say where each is
#
# Settings: PROMTOOL and CHROMIUM_PATH point at binaries installed elsewhere.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${SERVICES_DIR:-$root/.services}"
die() { echo "tools: $*" >&2; exit 1; }

promtool="${PROMTOOL:-$(command -v promtool || true)}"
chromium="${CHROMIUM_PATH:-$(command -v chromium || true)}"
missing=()
[ -n "$promtool" ] && [ -x "$promtool" ] || missing+=(prometheus)
[ -n "$chromium" ] && [ -x "$chromium" ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${missing[*]}: install them (apt-get install -y ${missing[*]}) or set PROMTOOL / CHROMIUM_PATH."
  fi
  mkdir -p "$dir"
  echo "tools: installing ${missing[*]} with apt-get (once)" >&2
  # Debian's packages would start a Prometheus server; the tests need only promtool, and
  # policy-rc.d answering 101 keeps any service from starting during the install.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=1; fi
  status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
    >"$dir/apt-tools.log" 2>&1 || status=$?
  [ -n "$made_policy" ] && rm -f "$policy"
  [ $status -eq 0 ] || die "apt-get install ${missing[*]} failed; see $dir/apt-tools.log"
  promtool="${PROMTOOL:-$(command -v promtool || true)}"
  chromium="${CHROMIUM_PATH:-$(command -v chromium || true)}"
fi
[ -x "$promtool" ] || die "promtool is still missing after installing prometheus"
[ -x "$chromium" ] || die "chromium is still missing after installing it"
echo "tools: promtool $promtool, chromium $chromium" >&2
