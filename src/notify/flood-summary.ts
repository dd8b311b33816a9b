// A full outbox folds new alerts into one summary (journald's "N messages suppressed") instead of growing without bound.
import type { ClawbackEvent } from '../observe/events.js';
import { formatUtc, headline } from './format.js';

/** Never folded into a summary or evicted for room: a person must act now, or the daemon itself is failing. */
export function mustKeep(e: ClawbackEvent): boolean {
  return (
    e.level === 4 ||
    e.type === 'incident.escalated' ||
    e.type === 'breaker.tripped' ||
    e.type === 'daemon.fault' ||
    e.type === 'daemon.crashed' ||
    e.type === 'daemon.died' ||
    e.type === 'daemon.degraded'
  );
}

/** The alerts folded so far into one pending summary of a channel. */
export interface Folded {
  count: number;
  /** When the first one was folded, epoch ms. */
  since: number;
  latest: ClawbackEvent;
  critical: boolean;
}

export function fold(prev: Folded | undefined, e: ClawbackEvent, now: number): Folded {
  if (!prev) return { count: 1, since: now, latest: e, critical: e.severity === 'critical' };
  return { count: prev.count + 1, since: prev.since, latest: e, critical: prev.critical || e.severity === 'critical' };
}

/** The summary message itself (already redacted: built from redacted events). */
export function summaryEvent(channel: string, f: Folded, limit: number, now: number): ClawbackEvent {
  const l = f.latest;
  const about = `${headline(l.type, l.details)}${l.service ? ` (${l.service})` : ''}: ${l.message}`;
  return {
    type: 'notify.suppressed',
    time: now,
    severity: f.critical ? 'critical' : 'warning',
    message: `${f.count} alert(s) suppressed since ${formatUtc(f.since)}: the outbox for ${channel} holds at most ${limit} (notify.outboxLimit); latest: ${about}`,
    details: { channel, suppressed: f.count, since: formatUtc(f.since, true), latestType: l.type, ...(l.service ? { latestService: l.service } : {}) },
  };
}
