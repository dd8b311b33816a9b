// Reads a trial's story out of the journal: when the fault was first noticed, how high the ladder went, how many alerts.
import type { ClawbackEvent, EventType } from '../observe/events.js';
import { channelAccepts, type ChannelFilter } from '../notify/filter.js';
import type { ProbeKind } from '../probes/probe-schema.js';

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
  /**
   * The trial's fault, when the runner knows it: the kinds of probe whose verdict the fault can cause (none for a crash)
   * and the kind of each probe of the service by name. A verdict of another probe, and the incident it opened, had a
   * cause the drill did not inject: not the trial's to measure nor to take credit for. Absent: every event counts.
   */
  cause?: { probeKinds: readonly ProbeKind[]; kindOf: ReadonlyMap<string, ProbeKind> };
}

export interface TrialMeasure {
  detectMs: number | null;
  level: number | null;
  alerts: number;
  incidentIds: string[];
}

/** The probe named by a verdict event (service.unhealthy, probe.failed), or undefined. */
function verdictProbe(e: ClawbackEvent): string | undefined {
  if (e.type !== 'service.unhealthy' && e.type !== 'probe.failed') return undefined;
  const probe = e.details?.probe;
  return typeof probe === 'string' ? probe : undefined;
}

/** A verdict the trial's fault could not have caused: a probe of another kind (or one the service does not have). */
function otherCauseVerdict(e: ClawbackEvent, cause: NonNullable<TrialWindow['cause']>): boolean {
  const probe = verdictProbe(e);
  if (probe === undefined) return false;
  const kind = cause.kindOf.get(probe);
  return kind === undefined || !cause.probeKinds.includes(kind);
}

/** For an incident.opened event: the kind of the service's probe whose verdict opened it ("<probe>: ..."), else undefined. */
export function openedByProbeKind(e: ClawbackEvent, kindOf: ReadonlyMap<string, ProbeKind>): ProbeKind | undefined {
  if (e.type !== 'incident.opened') return undefined;
  const reason = e.details?.reason;
  const probe = typeof reason === 'string' ? /^([^:]+): /.exec(reason)?.[1] : undefined;
  return probe === undefined ? undefined : kindOf.get(probe);
}

/** Each probe of a service by name (a probe's name defaults to its kind). */
export function probeKindsByName(probes: readonly { kind: ProbeKind; name?: string | undefined }[]): Map<string, ProbeKind> {
  return new Map(probes.map((p) => [p.name ?? p.kind, p.kind]));
}

/**
 * The trial's events: the service's (and the daemon's, if asked) in the window, less what another cause did: a verdict
 * of a probe the fault cannot trip and every event of an incident such a verdict opened (incident.opened names the
 * probe first in its reason, "<probe>: ...").
 */
export function eventsInWindow(events: readonly ClawbackEvent[], w: TrialWindow): ClawbackEvent[] {
  const inWindow = events.filter(
    (e) => e.time >= w.from && e.time <= w.to && (e.service === w.service || (w.includeDaemonEvents && e.service === undefined)),
  );
  const cause = w.cause;
  if (!cause) return inWindow;
  const foreign = new Set<string>();
  for (const e of inWindow) {
    const kind = openedByProbeKind(e, cause.kindOf);
    if (e.incidentId && kind && !cause.probeKinds.includes(kind)) foreign.add(e.incidentId);
  }
  return inWindow.filter((e) => !otherCauseVerdict(e, cause) && !(e.incidentId !== undefined && foreign.has(e.incidentId)));
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
  /** The kinds of probe whose verdict the fault can cause ([] for a crash); other verdicts and their incidents are another cause's. */
  probeKinds?: readonly ProbeKind[];
}

/** The window's `cause` for a scenario's proof and the service's probes; undefined when the proof names no probe kinds. */
export function causeOf(proof: JournalProof | undefined, probes: readonly { kind: ProbeKind; name?: string | undefined }[]): TrialWindow['cause'] {
  if (!proof?.probeKinds) return undefined;
  return { probeKinds: proof.probeKinds, kindOf: probeKindsByName(probes) };
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
