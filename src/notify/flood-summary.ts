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
  /** How many of each service, first folded first: the summary names them all, not only the latest one's. */
  services: ReadonlyMap<string, number>;
  /** Alerts of services past MAX_NAMED_SERVICES (counted, not named: the map stays bounded). */
  otherServices: number;
  /** Alerts about no service (the daemon's own). */
  noService: number;
}

/** Services a summary names with their counts; the alerts of any further ones are counted together. */
export const MAX_NAMED_SERVICES = 25;

function countService(prev: Folded | undefined, e: ClawbackEvent): Pick<Folded, 'services' | 'otherServices' | 'noService'> {
  const services = new Map(prev?.services);
  let otherServices = prev?.otherServices ?? 0;
  let noService = prev?.noService ?? 0;
  if (e.service === undefined || e.service === '') noService++;
  else if (services.has(e.service) || services.size < MAX_NAMED_SERVICES) services.set(e.service, (services.get(e.service) ?? 0) + 1);
  else otherServices++;
  return { services, otherServices, noService };
}

export function fold(prev: Folded | undefined, e: ClawbackEvent, now: number): Folded {
  const counts = countService(prev, e);
  if (!prev) return { count: 1, since: now, latest: e, critical: e.severity === 'critical', ...counts };
  return { count: prev.count + 1, since: prev.since, latest: e, critical: prev.critical || e.severity === 'critical', ...counts };
}

/** "svc-a ×3, svc-b ×1, 4 of 2 other service(s), 2 without a service": what was folded, by service. */
function foldedBy(f: Folded): string {
  const parts = [...f.services].map(([name, n]) => `${name} ×${n}`);
  if (f.otherServices > 0) parts.push(`${f.otherServices} of other services`);
  if (f.noService > 0) parts.push(`${f.noService} without a service`);
  return parts.join(', ');
}

/** The summary message itself (already redacted: built from redacted events). */
export function summaryEvent(channel: string, f: Folded, limit: number, now: number): ClawbackEvent {
  const l = f.latest;
  const about = `${headline(l.type, l.details)}${l.service ? ` (${l.service})` : ''}: ${l.message}`;
  return {
    type: 'notify.suppressed',
    time: now,
    severity: f.critical ? 'critical' : 'warning',
    message: `${f.count} alert(s) suppressed since ${formatUtc(f.since)}: the outbox for ${channel} holds at most ${limit} (notify.outboxLimit); folded: ${foldedBy(f)}; latest: ${about}`,
    details: {
      channel,
      suppressed: f.count,
      since: formatUtc(f.since, true),
      services: Object.fromEntries(f.services),
      ...(f.otherServices > 0 ? { otherServices: f.otherServices } : {}),
      ...(f.noService > 0 ? { noService: f.noService } : {}),
      latestType: l.type,
      ...(l.service ? { latestService: l.service } : {}),
    },
  };
}

/**
 * A pending summary's fold, kept in its spooled file (OutboxEntry.folded): a restart or reload during a long outage folds
 * into it again. Without it each restart opened another summary past outboxLimit (12 restarts, 12 summaries sent).
 */
export interface SavedFolded {
  count: number;
  since: number;
  latest: ClawbackEvent;
  critical: boolean;
  services: [string, number][];
  otherServices: number;
  noService: number;
}

export function savedFolded(f: Folded): SavedFolded {
  return { count: f.count, since: f.since, latest: f.latest, critical: f.critical, services: [...f.services], otherServices: f.otherServices, noService: f.noService };
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The fold a spooled summary saved, or undefined when there is none or it is not one (it is then sent as it stands). */
export function foldedFromSaved(v: unknown): Folded | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as Partial<SavedFolded>;
  const latest = s.latest as Partial<ClawbackEvent> | undefined;
  if (!count(s.count) || s.count < 1 || typeof s.since !== 'number' || !Number.isFinite(s.since) || typeof s.critical !== 'boolean') return undefined;
  if (!latest || typeof latest !== 'object' || typeof latest.type !== 'string' || typeof latest.message !== 'string') return undefined;
  if (!count(s.otherServices) || !count(s.noService) || !Array.isArray(s.services)) return undefined;
  const services = new Map<string, number>();
  for (const pair of s.services.slice(0, MAX_NAMED_SERVICES)) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !count(pair[1])) return undefined;
    services.set(pair[0], pair[1]);
  }
  return { count: s.count, since: s.since, latest: latest as ClawbackEvent, critical: s.critical, services, otherServices: s.otherServices, noService: s.noService };
}
