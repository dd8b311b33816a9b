// How long the installed daemon's own SIGTERM shutdown may take, so systemd (TimeoutStopSec=) and launchd (ExitTimeOut)
// do not SIGKILL it mid-stop: a fixed 20 s cut a daemon waiting out a service's 60 s stop grace (state.json unsaved,
// daemon.stopped unwritten so the guardian undid `systemctl stop`, the SIGTERM-deaf service left unkilled).

import type { ServiceConfig } from '../config/schema.js';
import { stopWaves } from '../config/service-order.js';

/** systemd's and launchd's default stop timeout: never written lower. */
export const MIN_DAEMON_STOP_TIMEOUT_SEC = 20;
/** ServiceRuntime.dispose waits a stop in progress for its grace + 10 s, then the in-flight work for up to 15 s. */
const DISPOSE_MARGIN_MS = 10_000 + 15_000;
/** Saving state.json, closing the API and the journal, releasing the lock. */
const EXIT_MARGIN_MS = 5_000;

/**
 * Seconds for TimeoutStopSec= / ExitTimeOut: the shutdown stops services in waves (dependents first, each wave at
 * once), so the waves' longest graces (ms), each with what dispose adds, one after another. Pure.
 */
export function daemonStopTimeoutSec(services: ServiceConfig[]): number {
  const graceOf = new Map(services.map((s) => [s.name, s.stop.grace]));
  let totalMs = EXIT_MARGIN_MS;
  for (const wave of stopWaves(services)) totalMs += Math.max(0, ...wave.map((n) => graceOf.get(n) ?? 0)) + DISPOSE_MARGIN_MS;
  return Math.max(MIN_DAEMON_STOP_TIMEOUT_SEC, Math.ceil(totalMs / 1000));
}
