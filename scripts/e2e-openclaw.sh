#!/usr/bin/env bash
# Runs the end-to-end suite against the real OpenClaw gateway: installs Node 24 and openclaw into .cache/e2e once, then vitest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CLAWBACK_E2E_CACHE:-$root/.cache/e2e}"
node_version="${CLAWBACK_E2E_NODE:-24.21.0}"
openclaw_version="${CLAWBACK_E2E_OPENCLAW:-2026.9.6}"
mkdir -p "$cache"
installed() {
  [ -x "$cache/node_modules/.bin/node" ] || return 1
  [ -f "$cache/node_modules/openclaw/package.json" ] || return 1
  [ "$("$cache/node_modules/.bin/node" --version)" = "v$node_version" ] || return 1
  [ "$("$cache/node_modules/.bin/node" -p "require('$cache/node_modules/openclaw/package.json').version")" = "$openclaw_version" ] || return 1
}
if ! installed; then
  echo "e2e: installing node@$node_version and openclaw@$openclaw_version into $cache (first time: a few minutes)"
  [ -f "$cache/package.json" ] || echo '{"name":"clawback-e2e-cache","private":true}' > "$cache/package.json"
  start=$(date +%s)
  # npm's own cache stays inside .cache too, so nothing lands in the user's ~/.npm.
  npm_flags=(--prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact --cache "$root/.cache/npm" --fetch-retries=5 --fetch-retry-mintimeout=10000 --fetch-retry-maxtimeout=120000)
  # A 770 MB download on a CI runner: each install is tried 3 times (npm's own fetch retries inside each).
  try3() {
    local n
    for n in 1 2 3; do
      "$@" && return 0
      echo "e2e: install attempt $n failed; $([ "$n" -lt 3 ] && echo 'retrying in 20 s' || echo 'giving up')" >&2
      [ "$n" -lt 3 ] && sleep 20
    done
    return 1
  }
  try3 npm install "${npm_flags[@]}" "node@$node_version"
  # openclaw's preinstall script refuses Node < 24.16, so it must see the Node 24 just installed.
  try3 env PATH="$cache/node_modules/.bin:$PATH" npm install "${npm_flags[@]}" "openclaw@$openclaw_version"
  echo "e2e: installed in $(( $(date +%s) - start ))s, $(du -sh "$cache/node_modules" | cut -f1)"
fi
export CLAWBACK_E2E_CACHE="$cache"
# The update e2e installs other openclaw versions here (never into the cache above, which other runs share).
export CLAWBACK_E2E_VERSIONS="${CLAWBACK_E2E_VERSIONS:-$root/.cache/e2e-versions}"
export CLAWBACK_E2E_NPM_CACHE="${CLAWBACK_E2E_NPM_CACHE:-$root/.cache/npm}"
export CLAWBACK_E2E_RETRY_FILE="${CLAWBACK_E2E_RETRY_FILE:-$root/.cache/e2e-retried.txt}"
mkdir -p "$(dirname "$CLAWBACK_E2E_RETRY_FILE")"
cd "$root"
start=$(date +%s)
set +e
npx vitest run --config test/e2e/vitest.e2e.config.ts "$@"
rc=$?
set -e
echo "e2e: vitest finished in $(( $(date +%s) - start )) s (exit $rc)"
exit $rc
