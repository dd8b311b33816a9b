// A probe that cannot run (unknown) never restarts anything, and used to tell nobody either: one warning per streak of unknowns, one word when it judges again.
import type { ClawbackEvent } from '../observe/events.js';
import type { ProbeTickReport } from '../probes/probe-worker.js';

/** Per probe name: when its streak was alerted (epoch ms). */
export type UnknownStreaks = Map<string, { since: number }>;

/**
 * The event this result calls for, if any: probe.unknown when a probe reaches `threshold` unknown checks in a row
 * (once per streak), probe.known at the first judging check after such an alert. Updates `alerted`. `quiet`: no new
 * alert now (the probe is in its start-up grace, or another probe already judges the service failing: a readiness probe
 * that gets no answer while the gateway is down is liveness's question, and the outage has its own alerts).
 */
export function unknownStreakEvent(
  service: string,
  r: ProbeTickReport,
  threshold: number,
  alerted: UnknownStreaks,
  now: number,
  quiet = false,
): ClawbackEvent | undefined {
  const open = alerted.get(r.name);
  if (r.result.status === 'unknown') {
    const checks = r.consecutiveUnknowns ?? 0;
    if (open !== undefined || checks < threshold || quiet) return undefined;
    alerted.set(r.name, { since: now });
    return {
      type: 'probe.unknown',
      time: now,
      severity: 'warning',
      service,
      message: `${service}: probe ${r.name} could not judge the service ${checks} checks in a row (no restart, no verdict): ${r.result.message}`,
      details: { probe: r.name, kind: r.kind, checks, unknownThreshold: threshold, ...(r.result.details ?? {}) },
    };
  }
  if (open === undefined) return undefined;
  alerted.delete(r.name);
  const verdict = r.result.status === 'success' ? 'passes' : `fails (${r.result.finding ?? 'failure'})`;
  return {
    type: 'probe.known',
    time: now,
    severity: 'resolved',
    service,
    message: `${service}: probe ${r.name} judges again: it ${verdict}: ${r.result.message}`,
    details: { probe: r.name, kind: r.kind, status: r.result.status, unknownForMs: Math.max(0, now - open.since) },
  };
}
