// What a POST that changes one service waits for during the daemon's first start: that service's boot, not the whole
// start-up (`clawback maintenance fast on` waited ~35 s behind another service's preflight validator, the CLI gave up at
// 15 s saying the daemon was not responding, and the daemon then turned maintenance on all the same).
import { namesFor } from '../instances/instance-name.js';
import type { ServiceRuntime } from './service-runtime.js';

/** The maintenance route (POST /api/services/:name/maintenance): Daemon.command's route, and what bootsFor reads its service from. */
export const MAINTENANCE_ROUTE = /^\/api\/services\/([^/]+)\/maintenance$/;
/** `/api/incidents/ID/approve|refuse`: likewise. */
export const APPROVAL_ROUTE = /^\/api\/incidents\/([^/]+)\/(approve|refuse)$/;
/**
 * Routes that touch no service: `clawback acknowledge` (the daemon's own notice) and the notifier's flush, discard and
 * release. They waited for the whole start-up (`clawback acknowledge` answered after ~30 s, a validator of another service).
 */
const NO_SERVICE_ROUTE = /^\/api\/(daemon\/acknowledge|notify\/(flush|discard|release))$/;
/** `clawback cluster move SERVICE --to MEMBER`: it touches the service named in ?service=. */
const CLUSTER_MOVE_ROUTE = '/api/cluster/move';

/**
 * The boots `path` waits for: a maintenance waits for its service's (each instance's) boot, an approval or refusal for
 * the boot of the service whose incident it answers, a cluster move for its service's; one that names nothing known is
 * answered at once (its 404), and so is one that touches no service. Any other route (a reload, a scale) changes the
 * set of services the start-up is booting: `bootGate`.
 */
export function bootsFor(path: string, runtimes: ReadonlyMap<string, ServiceRuntime>, bootGate: Promise<void>, query?: URLSearchParams): Promise<void> {
  if (NO_SERVICE_ROUTE.test(path)) return Promise.resolve();
  if (path === CLUSTER_MOVE_ROUTE) return bootOf(namesFor(query?.get('service') ?? '', runtimes.keys()).map((n) => runtimes.get(n)!), bootGate);
  const m = MAINTENANCE_ROUTE.exec(path);
  if (m) return bootOf(namesFor(safeDecode(m[1]!), runtimes.keys()).map((n) => runtimes.get(n)!), bootGate);
  const a = APPROVAL_ROUTE.exec(path);
  if (a) {
    const id = safeDecode(a[1]!);
    return bootOf([...runtimes.values()].filter((rt) => rt.currentIncident()?.id === id), bootGate);
  }
  return bootGate;
}

function bootOf(rts: ServiceRuntime[], bootGate: Promise<void>): Promise<void> {
  if (rts.length === 0) return Promise.resolve();
  return Promise.race([bootGate, Promise.all(rts.map((rt) => rt.bootHeard)).then(() => undefined)]);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
