#!/usr/bin/env bash
# A chaos soak on the REAL OpenClaw gateway (Node 24 + openclaw from the e2e cache) under a Clawback daemon with the preset; see docs/drills.md.
# Usage: CLAWBACK_E2E_CACHE=/path/to/e2e-cache scripts/chaos-openclaw.sh [--duration 20m] [--mean-interval 2m] [--seed 2026] [--out DIR] [--fast-probes]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CLAWBACK_E2E_CACHE:-$root/.cache/e2e}"
if [ ! -x "$cache/node_modules/.bin/node" ] || [ ! -f "$cache/node_modules/openclaw/package.json" ]; then
  echo "chaos-openclaw: no Node 24 + openclaw in $cache; run \`npm run test:e2e\` once (it installs them there) or set CLAWBACK_E2E_CACHE" >&2
  exit 2
fi
[ -f "$root/dist/cli/main.js" ] || (cd "$root" && npm run build)
export CLAWBACK_E2E_CACHE="$cache"
exec node "$root/scripts/chaos-openclaw.mjs" "$@"
