// How long the installed daemon's own SIGTERM shutdown may take, so systemd (TimeoutStopSec=) and launchd (ExitTimeOut)
// do not SIGKILL it mid-stop: a fixed 20 s cut a daemon waiting out a service's 60 s stop grace (state.json unsaved,
// daemon.stopped unwritten so the guardian undid `systemctl stop`, the SIGTERM-deaf service left unkilled).

/** systemd's and launchd's default stop timeout: never written lower. */
export const MIN_DAEMON_STOP_TIMEOUT_SEC = 20;
/** ServiceRuntime.dispose waits a stop in progress for its grace + 10 s, then the in-flight work for up to 15 s. */
const DISPOSE_MARGIN_MS = 10_000 + 15_000;
/** Saving state.json, closing the API and the journal, releasing the lock. */
const EXIT_MARGIN_MS = 5_000;

/** Seconds for TimeoutStopSec= / ExitTimeOut: the longest service stop grace (ms) plus what dispose adds. Pure. */
export function daemonStopTimeoutSec(services: ReadonlyArray<{ stop: { grace: number } }>): number {
  const longestGraceMs = Math.max(0, ...services.map((s) => s.stop.grace));
  return Math.max(MIN_DAEMON_STOP_TIMEOUT_SEC, Math.ceil((longestGraceMs + DISPOSE_MARGIN_MS + EXIT_MARGIN_MS) / 1000));
}
