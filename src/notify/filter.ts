// Which events a channel wants: a pure decision from its minSeverity, allow-list and exclusions.
import type { ClawbackEvent, EventType, Severity } from '../observe/events.js';

export interface ChannelFilter {
  minSeverity: 'info' | 'warning' | 'critical';
  events?: string[] | undefined;
  exclude?: string[] | undefined;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2, resolved: 3 };

/** `incident.*` matches every incident event; anything else must match exactly. */
export function matchesPattern(type: EventType, pattern: string): boolean {
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

export function channelAccepts(filter: ChannelFilter, event: Pick<ClawbackEvent, 'type' | 'severity'>): boolean {
  // `resolved` always passes the severity floor: whoever heard of the trouble must hear it is over.
  if (event.severity !== 'resolved' && RANK[event.severity] < RANK[filter.minSeverity]) return false;
  if (filter.events && !filter.events.some((p) => matchesPattern(event.type, p))) return false;
  if (filter.exclude && filter.exclude.some((p) => matchesPattern(event.type, p))) return false;
  return true;
}
