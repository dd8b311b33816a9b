#!/usr/bin/env bash
# Installs the system programs the test suite drives for real (tmux, Chromium, systemd-analyze, promtool/prometheus,
# etcd), if missing; says what it installs, logs apt's output to a named file, and can be skipped.
#   CLAWBACK_SKIP_APT=1   install nothing (tests that need a missing program then fail and name it)
#   CLAWBACK_APT_LOG=FILE where apt's output goes (default: $TMPDIR/clawback-test-deps.log)
set -euo pipefail
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
{ command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || need+=(prometheus)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
if [ ${#need[@]} -eq 0 ]; then
  echo "test prerequisites: all present (tmux, chromium, systemd-analyze, promtool, prometheus, etcd)"
  exit 0
fi
echo "test prerequisites missing: ${need[*]}"
if [ "${CLAWBACK_SKIP_APT:-}" = "1" ]; then
  echo "CLAWBACK_SKIP_APT=1: not installing them (tests that need them will fail and name the program)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install them with your package manager (Debian/Ubuntu: apt-get install ${need[*]}), or set CLAWBACK_SKIP_APT=1" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
log="${CLAWBACK_APT_LOG:-${TMPDIR:-/tmp}/clawback-test-deps.log}"
export DEBIAN_FRONTEND=noninteractive
echo "installing with apt-get: ${need[*]} (apt output: $log; set CLAWBACK_SKIP_APT=1 to skip)"
if ! { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  echo "apt-get failed; the last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "installed: ${need[*]}"
