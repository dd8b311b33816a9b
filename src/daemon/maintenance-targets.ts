// Maintenance by name: a plain service, or every instance of a scaled one (`gw` runs as gw:0..gw:N-1), through each reducer.
import { namesFor } from '../instances/instance-name.js';
import type { ActionResult, ServiceRuntime } from './service-runtime.js';
import type { ServiceRecord } from '../decide/service-state.js';

/** The longest `for` of a maintenance (10 years; none at all is "until turned off"): a date must be able to hold its end. */
export const MAINTENANCE_FOR_MAX_MS = 3650 * 86_400_000;

export interface MaintenanceAnswer {
  /** 404: no such service or group; 409: a reducer did not take it. */
  status: 200 | 404 | 409;
  ok: boolean;
  message: string;
}

export function setMaintenance(
  runtimes: ReadonlyMap<string, ServiceRuntime>,
  name: string,
  on: boolean,
  opts: { forMs?: number; reason?: string; by: string },
): MaintenanceAnswer {
  const names = namesFor(name, runtimes.keys());
  if (names.length === 0) return { status: 404, ok: false, message: `no service named "${name}" (known: ${[...runtimes.keys()].join(', ')})` };
  const results: ActionResult[] = names.map((n) => runtimes.get(n)!.maintenance(on, opts));
  const ok = results.every((r) => r.ok);
  return { status: ok ? 200 : 409, ok, message: results.map((r) => r.message).join('\n') };
}

/**
 * A service replaced by a config reload starts with fresh counters, but what a person set is not a counter: its
 * maintenance and its wanted state (`clawback stop` keeps it down, `clawback start` of an autostart: false service keeps
 * it up) carry over, as they do across a daemon restart. The reload itself is that person's request, so an instance
 * in maintenance that ran is started again. Nor are the agent runs the budget counts (emergency.budget): paid runs stay
 * bounded per service whatever the reloads, or each reload of a changed service would buy the same fault another run.
 * Read once the old runtime is stopped (`before`: how it was when the reload began): a person's `start` or `stop` that
 * reached it while its stop ran is the last word, and was lost when the carry-over was read before.
 */
export interface CarriedMaintenance {
  saved: { record: ServiceRecord; incident: null } | undefined;
  wasRunning: boolean;
}

/** How a service was when a reload that replaces it began: whether it ran, and what was wanted of it. */
export interface BeforeReplace {
  running: boolean;
  desired: ServiceRecord['desired'];
}

export function beforeReplace(old: ServiceRuntime | undefined): BeforeReplace | undefined {
  return old ? { running: old.status().pid !== null, desired: old.persisted().desired } : undefined;
}

export function carryMaintenance(old: ServiceRuntime | undefined, before?: BeforeReplace): CarriedMaintenance {
  if (!old) return { saved: undefined, wasRunning: false };
  const { maintenance: m, desired, agentRuns } = old.persisted();
  const record = { desired, agentRuns: [...agentRuns], ...(m ? { maintenance: { ...m } } : {}) } as ServiceRecord;
  // In maintenance nothing starts by itself: the replacement is started when it ran and nobody stopped it since, or
  // when a person's start came while the old one stopped.
  const ran = before ? before.running : old.status().pid !== null;
  const startedSince = before?.desired === 'down' && desired === 'up';
  return { saved: { record, incident: null }, wasRunning: !!m && desired === 'up' && (ran || startedSince) };
}
