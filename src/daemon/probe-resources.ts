// A probe that could not run for want of the daemon's own descriptors, processes or memory is a daemon fault (status,
// /metrics, an alert), never the service's: without this, 20 services' probes failing with EMFILE left the daemon "ok".
import type { ProbeTickReport } from '../probes/probe-worker.js';
import type { DaemonFaults } from './daemon-faults.js';
import { FAULT_QUIET_MS } from './quiet-recovery.js';

/** Codes that say the daemon itself is out of resources (its socket or child could not even be made). */
const OWN_RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EAGAIN']);

/**
 * The fault clears only after this long with no probe short of resources: a daemon at its limit has some checks run
 * and some not, and clearing at the first that ran sent a daemon.degraded/daemon.recovered pair at every check.
 */
export const PROBE_RESOURCES_QUIET_MS = FAULT_QUIET_MS;

/** The daemon's fault in this report (an Error with the code), 'ran' when the check judged, undefined otherwise (pure). */
export function probeResourceFault(service: string, r: Pick<ProbeTickReport, 'name' | 'result'>): Error | 'ran' | undefined {
  if (r.result.status !== 'unknown') return 'ran';
  const code = r.result.details?.['code'];
  if (typeof code !== 'string' || !OWN_RESOURCE_CODES.has(code)) return undefined;
  return Object.assign(new Error(`${service}: probe ${r.name} could not run: ${r.result.message}`), { code });
}

/** Feeds one daemon's probe reports to its faults as reason `probe-resources`. */
export function probeResourcesWatch(faults: Pick<DaemonFaults, 'failed' | 'ok' | 'status' | 'isDegraded'>, now: () => number): (service: string, r: ProbeTickReport) => void {
  return (service, r) => {
    // Every check of every service comes here: a healthy daemon's answer must cost nothing (no status copy).
    if (r.result.status !== 'unknown' && !faults.isDegraded('probe-resources')) return;
    const fault = probeResourceFault(service, r);
    if (fault === undefined) return;
    if (fault !== 'ran') return faults.failed('probe-resources', fault);
    const known = faults.status().degraded.find((d) => d.reason === 'probe-resources');
    if (known && now() - known.lastAt >= PROBE_RESOURCES_QUIET_MS) faults.ok('probe-resources');
  };
}
