// Reads a trial's story out of the journal: when the fault was first noticed, how high the ladder went, how many alerts.
import type { ClawbackEvent, EventType } from '../observe/events.js';
import { channelAccepts, type ChannelFilter } from '../notify/filter.js';

/** Event types that mean "Clawback noticed something" (not routine bookkeeping like config.snapshot). */
const NOTICING: ReadonlySet<EventType> = new Set<EventType>([
  'service.exited',
  'service.unhealthy',
  'probe.failed',
  'memory.warning',
  'memory.limit',
  'incident.opened',
  'breaker.tripped',
  'doctor.finding',
  'daemon.started',
  'daemon.adopted',
  'daemon.history-lost',
  'guardian.revived',
]);

export interface TrialWindow {
  service: string;
  /** Epoch ms of the fault injection. */
  from: number;
  /** Epoch ms when the trial ended. */
  to: number;
  /** Also count events without a service (daemon.*), for the daemon scenarios. */
  includeDaemonEvents: boolean;
  /** The daemon's enabled notify channels; none means "warning, critical and resolved events count as alerts". */
  channels: readonly ChannelFilter[];
}

export interface TrialMeasure {
  detectMs: number | null;
  level: number | null;
  alerts: number;
  incidentIds: string[];
}

export function eventsInWindow(events: readonly ClawbackEvent[], w: TrialWindow): ClawbackEvent[] {
  return events.filter(
    (e) => e.time >= w.from && e.time <= w.to && (e.service === w.service || (w.includeDaemonEvents && e.service === undefined)),
  );
}

/** The level an event proves the incident reached. */
function levelOf(e: ClawbackEvent): number | undefined {
  if (!e.type.startsWith('incident.')) return undefined;
  const highest = e.details?.highestLevel;
  if (typeof highest === 'number') return Math.max(highest, e.level ?? 0);
  return e.level;
}

export function isAlert(e: ClawbackEvent, channels: readonly ChannelFilter[]): boolean {
  if (channels.length > 0) return channels.some((c) => channelAccepts(c, e));
  return e.severity === 'warning' || e.severity === 'critical' || e.severity === 'resolved';
}

export function measureTrial(events: readonly ClawbackEvent[], w: TrialWindow): TrialMeasure {
  const inWindow = eventsInWindow(events, w);
  const first = inWindow.find((e) => NOTICING.has(e.type));
  const levels = inWindow.map(levelOf).filter((l): l is number => typeof l === 'number');
  const incidentIds = [...new Set(inWindow.map((e) => e.incidentId).filter((id): id is string => typeof id === 'string'))];
  return {
    detectMs: first ? Math.max(0, first.time - w.from) : null,
    level: levels.length ? Math.max(...levels) : null,
    alerts: inWindow.filter((e) => isAlert(e, w.channels)).length,
    incidentIds,
  };
}

/** The events that show a level of the ladder acted on a trial's fault, and how the report names them. */
export interface JournalProof {
  types: readonly EventType[];
  what: string;
}

/**
 * A trial the scenario saw recover counts as a pass only when the journal shows the ladder acting on it: a hang
 * replaced by a daemon restart, or by a person, recovered, but proves nothing about the watchdog.
 */
export function provenByJournal(
  run: { asExpected: boolean; outcome: string },
  proof: JournalProof | undefined,
  events: readonly ClawbackEvent[],
  w: TrialWindow,
): { asExpected: boolean; outcome: string } {
  if (!run.asExpected || !proof || eventsInWindow(events, w).some((e) => proof.types.includes(e.type))) return run;
  return { asExpected: false, outcome: `${run.outcome}; but the journal shows no ${proof.what} in the trial: something else replaced the instance (a daemon restart, a person)` };
}

/** Sum of `clawback_notifications_total{result="delivered"}` in a Prometheus text exposition; null when absent. */
export function deliveredNotifications(metricsText: string): number | null {
  let found = false;
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('clawback_notifications_total')) continue;
    found = true;
    if (!/result="delivered"/.test(line)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return found ? sum : null;
}
