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
  npm_flags=(--prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact --cache "$root/.cache/npm")
  npm install "${npm_flags[@]}" "node@$node_version"
  # openclaw's preinstall script refuses Node < 24.16, so it must see the Node 24 just installed.
  PATH="$cache/node_modules/.bin:$PATH" npm install "${npm_flags[@]}" "openclaw@$openclaw_version"
  echo "e2e: installed in $(( $(date +%s) - start ))s, $(du -sh "$cache/node_modules" | cut -f1)"
fi
export CLAWBACK_E2E_CACHE="$cache"
cd "$root"
exec npx vitest run --config test/e2e/vitest.e2e.config.ts "$@"
