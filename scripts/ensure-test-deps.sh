#!/usr/bin/env bash
# Installs the system programs the test suite drives for real (tmux, Chromium, systemd-analyze), if missing.
set -euo pipefail
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
[ ${#need[@]} -eq 0 ] && exit 0
echo "test prerequisites missing: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install them with your package manager (Debian/Ubuntu: apt-get install ${need[*]})" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
