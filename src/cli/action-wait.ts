// How long `start|stop|restart|resume NAME` waits for the daemon's answer: the daemon answers once the service settled,
// bounded by its stop grace, so a CLI bound of a fixed 15 s said "not responding" (exit 3) of a stop it then carried out.
import type { ClawbackConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { REQUEST_TIMEOUT_MS } from './client.js';

/** What the daemon adds to a service's grace before it answers a request anyway (ServiceRuntime.request's settle bound). */
export const DAEMON_SETTLE_MARGIN_MS = 15_000;

/**
 * The wait for a person's request about `name` (an instance `web:1` is its service `web`): its longest stop grace (a
 * restart drains with drainGrace), an external service's `external.timeout`, plus the daemon's margin, plus the ordinary request time for the rest of the way.
 * A service the config does not name: the ordinary request time. A hung daemon is not waited for: the client's
 * heartbeat watch ends the call within seconds of its last beat.
 */
export function actionWaitMs(config: Pick<ClawbackConfig, 'services'> | undefined, name: string): number {
  const base = name.replace(/:\d+$/, '');
  const svc = config?.services.find((s) => s.name === name) ?? config?.services.find((s) => s.name === base);
  if (!svc) return REQUEST_TIMEOUT_MS;
  const grace = Math.max(svc.stop.grace, svc.stop.drainGrace ?? 0);
  // An external service's cancelled start waits for what its manager brings up (and its stopCommand runs) that long too.
  return grace + (svc.external?.timeout ?? 0) + DAEMON_SETTLE_MARGIN_MS + REQUEST_TIMEOUT_MS;
}

/** The config the daemon runs (daemon.json's configPath), or undefined for the embedded demo ('') or one that does not load now. */
export function runningConfig(configPath: string, stateDir: string): Pick<ClawbackConfig, 'services'> | undefined {
  if (!configPath) return undefined;
  try {
    return loadConfig({ file: configPath, stateDir }).config;
  } catch {
    // Edited since and broken, or gone: the daemon still runs what it loaded; the ordinary bound is all the CLI knows.
    return undefined;
  }
}
