// The daemon's set of services can change while it runs (reload, scale): which services to add, stop, replace or leave alone.
import type { ServiceConfig } from '../config/schema.js';

export interface ServiceSetDiff {
  /** New names: start them. */
  added: ServiceConfig[];
  /** Names that are gone: stop them. */
  removed: string[];
  /** Same name, different settings: stop the old one, start the new one. */
  changed: ServiceConfig[];
  /** Same name, same settings: leave them running (same pid). */
  untouched: string[];
  /** Set by the daemon after applying: replaced instances that were not healthy within the bound. */
  notHealthy?: string[];
  /** Set by the daemon after applying: changed services whose process did not change, taken over running (same pid). */
  retuned?: string[];
  /** Set by the daemon after applying: retuned services whose stop under way (a restart's) was waited out first, and how long (ms). */
  waitedForStop?: Array<{ name: string; ms: number }>;
  /** Set by the daemon after applying: changed instances left on their previous settings (their group's rollout stopped). */
  kept?: string[];
  /** Set by the daemon after applying: the daemon's shutdown cut the change short (`while`: the instance it was still waiting for). */
  cutShort?: { while?: string; notApplied: string[] };
}

/** Keys sorted, so that two equal configs compare equal whatever order their keys were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** What makes a running instance different: everything but the instance count and the autoscale policy of its group. */
export function serviceFingerprint(s: ServiceConfig): string {
  const { instances: _i, autoscale: _a, ...rest } = s;
  return JSON.stringify(canonical(rest));
}

/**
 * Settings read while the instance runs, not at its spawn: a change of only these is applied without a restart (a new
 * runtime takes the running instance over), as Kubernetes applies a changed probe without restarting the container.
 */
const RUNTIME_ONLY = ['probes', 'startup', 'restart', 'stop', 'doctor', 'emergency', 'prediction', 'drillable'] as const;

/** Pure: the two settings start the same process (they differ, if at all, only in what is read while it runs). */
export function sameProcessSpec(a: ServiceConfig, b: ServiceConfig): boolean {
  const strip = (s: ServiceConfig): string => {
    const rest: Record<string, unknown> = { ...s };
    for (const k of RUNTIME_ONLY) delete rest[k];
    return serviceFingerprint(rest as ServiceConfig);
  };
  return strip(a) === strip(b);
}

/** Pure: old service list vs new one, by name and settings; each list keeps the order of `next` (or `old` for removed). */
export function diffServices(old: readonly ServiceConfig[], next: readonly ServiceConfig[]): ServiceSetDiff {
  const before = new Map(old.map((s) => [s.name, s]));
  const nextNames = new Set(next.map((s) => s.name));
  const diff: ServiceSetDiff = { added: [], removed: [], changed: [], untouched: [] };
  for (const s of next) {
    const prev = before.get(s.name);
    if (!prev) diff.added.push(s);
    else if (serviceFingerprint(prev) !== serviceFingerprint(s)) diff.changed.push(s);
    else diff.untouched.push(s.name);
  }
  for (const s of old) if (!nextNames.has(s.name)) diff.removed.push(s.name);
  return diff;
}

export function diffIsEmpty(d: ServiceSetDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}

/** One line for events and the CLI: "added web:2; removed -; changed api; 3 untouched". */
export function describeDiff(d: ServiceSetDiff): string {
  const list = (xs: string[]): string => (xs.length > 0 ? xs.join(', ') : '-');
  return `added ${list(d.added.map((s) => s.name))}; removed ${list(d.removed)}; changed ${list(d.changed.map((s) => s.name))}; ${d.untouched.length} untouched`;
}
