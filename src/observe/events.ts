// The one vocabulary of things Clawback does: journaled, notified, counted and shown from the same record.

export type Severity = 'info' | 'warning' | 'critical' | 'resolved';

/** Ladder levels: 0 keep-alive, 1 watchdog, 2 doctor, 3 emergency (AI), 4 human. */
export type Level = 0 | 1 | 2 | 3 | 4;

/** How an incident ended: by the ladder, after a person handed it back from Level 4, or after the cool-down did (nobody acted). */
export type ResolvedOutcome = 'auto-resolved' | 'human-resolved' | 'cool-down-recovered';
export const RESOLVED_OUTCOMES: readonly ResolvedOutcome[] = ['auto-resolved', 'human-resolved', 'cool-down-recovered'];

/** How a Level 3 run ended (`agent.finished` outcome, the `clawback_emergency_runs_total` outcome label). */
export type AgentOutcome = 'fixed' | 'failed' | 'timeout' | 'out-of-turns' | 'not-started' | 'handed-over' | 'proposed';
// (a record keyed by the union: an outcome added to the type and not here does not compile)
const AGENT_OUTCOME_KEYS: Readonly<Record<AgentOutcome, true>> = { fixed: true, failed: true, timeout: true, 'out-of-turns': true, 'not-started': true, 'handed-over': true, proposed: true };
export const AGENT_OUTCOMES: readonly AgentOutcome[] = Object.freeze(Object.keys(AGENT_OUTCOME_KEYS) as AgentOutcome[]);

export type EventType =
  | 'daemon.started'
  | 'daemon.stopped'
  | 'daemon.adopted'
  | 'daemon.history-lost'
  | 'daemon.fault'
  /** Old evidence removed from the state dir by the retention sweep (daemon/state-retention.ts). */
  | 'daemon.housekeeping'
  | 'guardian.revived'
  | 'service.started'
  | 'cluster.leader'
  | 'cluster.standby'
  | 'cluster.fenced'
  | 'cluster.failover'
  | 'cluster.etcd-unreachable'
  | 'cluster.etcd-reachable'
  | 'service.exited'
  | 'service.stopped'
  | 'service.restart-scheduled'
  | 'service.restarting'
  | 'service.healthy'
  | 'service.unhealthy'
  | 'service.leftovers-killed'
  /** A reload removed an external service: it is left running under its own manager, no longer watched. */
  | 'service.left-running'
  /** An external service's pid file names a pid that is not the service (dead, or taken by a younger process): passed over. */
  | 'service.pid-file-stale'
  /** The preflight's slow step (the config validator) began before a start: what runs and its budget. */
  | 'service.preflight'
  | 'probe.failed'
  /** A probe could not run unknownThreshold checks in a row (nobody can judge the service) / judges again: once per streak (daemon/unknown-streak.ts). */
  | 'probe.unknown'
  | 'probe.known'
  | 'memory.warning'
  | 'memory.limit'
  | 'incident.opened'
  | 'incident.level'
  | 'incident.action'
  | 'incident.resolved'
  | 'incident.escalated'
  | 'breaker.tripped'
  | 'breaker.resumed'
  | 'config.snapshot'
  | 'doctor.finding'
  | 'doctor.repair'
  | 'agent.started'
  | 'agent.finished'
  | 'prediction.warning'
  | 'maintenance.started'
  | 'maintenance.ended'
  /** Maintenance turned on without an end is still on: said every maintenanceReminderMs until it is turned off. */
  | 'maintenance.reminder'
  | 'notify.test'
  | 'notify.undelivered'
  /** Alerts waiting in the outbox whose files were deleted by hand: written again from memory. */
  | 'notify.spool-rewritten'
  /** Alerts folded into one summary because a channel's outbox was full (notify.outboxLimit). */
  | 'notify.suppressed'
  /** Telegram chat commands stopped working (getUpdates refused or unreachable past a threshold) / work again. */
  | 'notify.commands-failing'
  | 'notify.commands-recovered'
  | 'daemon.degraded'
  | 'daemon.recovered'
  | 'daemon.crashed'
  /** The previous daemon ended without its shutdown (kill -9, out of memory): said by the next one (daemon/previous-end.ts). */
  | 'daemon.died'
  /** The machine rebooted since the previous daemon's last heartbeat (daemon.json left): said once (daemon/previous-end.ts). */
  | 'daemon.machine-restarted'
  /** The daemon noticed it stood still (SIGSTOP, a blocked loop) or the machine slept: once per pause (daemon/pause-event.ts). */
  | 'daemon.paused'
  /** A person acknowledged "PREVIOUS DAEMON DIED" (`clawback acknowledge`): who, and which death. */
  | 'daemon.acknowledged'
  | 'config.reloaded'
  | 'config.reload-failed'
  | 'service.scaled'
  /** The autoscaler's decision was refused (it would stop the last serving instances, a port clash): the count stayed. */
  | 'service.scale-refused'
  /** The autoscaling metric's source failed or printed garbage: the count holds (once per cause, src/autoscale/autoscaler.ts). */
  | 'service.autoscale-held'
  | 'service.rollout-done'
  | 'service.rollout-failed'
  /** A part of the service (a channel account, a plugin reload) fails readiness / is ready again (src/openclaw). */
  | 'readiness.failing'
  | 'readiness.recovered'
  /** The reducer restarted one part of the service (a channel account) instead of the whole process. */
  | 'service.scope-restarted'
  /** A person set the service's restart count back to 0 (`clawback reset NAME`, as `pm2 reset`): what it was, who asked. */
  | 'service.reset'
  /** The gateway's own evidence (stability bundle, diagnostics export) attached to an incident. */
  | 'openclaw.evidence'
  /** The gateway's own service manager unit is enabled beside Clawback. */
  | 'openclaw.other-supervisor'
  | 'update.started'
  | 'update.step'
  | 'update.succeeded'
  | 'update.rolled-back'
  | 'update.failed';

export interface ClawbackEvent {
  type: EventType;
  /** Epoch milliseconds. */
  time: number;
  severity: Severity;
  /** One human sentence, already free of secrets. */
  message: string;
  service?: string;
  incidentId?: string;
  level?: Level;
  /** Extra structured facts: exit code, signal, durations in ms, checksums, etc. */
  details?: Record<string, unknown>;
}

/**
 * The payload of each event type the supervisor itself emits. Readers (journal reader, metrics, notifier,
 * dashboard, drill) narrow with `isEvent(e, type)` and get the payload typed instead of a loose record.
 */
export interface EventPayloads {
  'service.started': { pid: number; reason: string; fencingToken?: number };
  /** keptDown: a crash its restart policy keeps down (never), said on its incident, which ends there as "failed". */
  'service.stopped': { keptDown?: 'never'; statusKnown?: boolean; problem?: string; cancelledStart?: boolean; by?: 'stop' | 'restart' };
  'service.exited': { code: number | null; signal: string | null; uptimeMs: number; expected: boolean; error?: string };
  'service.restart-scheduled': { reason: 'exit' | 'probe' | 'memory'; delayMs: number; attempt: number };
  'service.restarting': { reason: string; attempt?: number; delayMs?: number };
  'service.unhealthy': { probe: string; finding?: string };
  'service.leftovers-killed': { count: number; pgid: number };
  'service.left-running': { pid: number };
  'service.pid-file-stale': { pidFile: string; pid: number; why: 'dead' | 'younger' };
  'service.preflight': { step: string; command: string[]; budgetMs: number };
  'breaker.tripped': { reason: string; detail: string };
  'breaker.resumed': { reason: string };
  /** recurrence: the failure came back within restart.flapping.window of the last recovery (the series' first incident and start). */
  'incident.opened': { reason: string; firstSignalAt: number; recurrence?: number; flappingSince?: number; firstIncidentId?: string };
  'incident.level': { reason: string };
  'incident.action': { action: string; [key: string]: unknown };
  'incident.escalated': { reason: string; lastRung: string | null; cause: string; lastLines: string[]; restarts: number; repairsKept?: string[] };
  /** closedBy: not a recovery; a person's reload removed or replaced the service, or a person stopped it before it recovered. */
  /** ttrMaxMs: the failure was seen late (the daemon was paused): the outage lasted at most this (ttrMs is from when it was seen). */
  'incident.resolved': { ttrMs: number; highestLevel: Level; outcome: ResolvedOutcome; reason: string; closedBy?: 'reload' | 'stop'; ttrMaxMs?: number };
  'daemon.adopted': { pid: number; stopResumed?: 'start' | 'hold' | 'stay' };
  'daemon.fault': { effect: string; error: string };
  'daemon.housekeeping': { removed?: string[]; error?: string; writesTo?: string; dropped?: number; droppedByType?: Record<string, number>; droppedFrom?: number; droppedTo?: number };
  'maintenance.started': { until: number | null; reason: string; by: string };
  'maintenance.ended': { by: string; afterMs: number; waitingHuman?: boolean; keptDown?: boolean };
  'maintenance.reminder': { by: string; reason: string; since: number; forMs: number };
  'readiness.failing': { subsystem: string; kind: string; channel?: string; accounts?: string[]; since: number; dueAt: number; detail?: string };
  'readiness.recovered': { subsystem: string; kind: string; channel?: string; failingForMs: number };
  'service.reset': { by: string; restartsBefore: number; windowBefore: number; backoffAttemptBefore: number; held: string | null };
  'service.scope-restarted': { scope: string; channel?: string; accounts: string[]; ok: boolean; summary: string; settleMs: number };
  'openclaw.evidence': { kind: 'stability' | 'diagnostics'; summary: string; path?: string; ok: boolean };
  'openclaw.other-supervisor': { manager: 'systemd' | 'launchd'; unit: string; path: string; enabled: boolean };
  'agent.finished': { adapter?: string; mode?: string; outcome?: AgentOutcome; [key: string]: unknown };
  'memory.warning': { rssBytes?: number; [key: string]: unknown };
  'memory.limit': { rssBytes?: number; [key: string]: unknown };
}

export type PayloadOf<T extends EventType> = T extends keyof EventPayloads ? EventPayloads[T] : Record<string, unknown>;

/** An event whose type is known, with its payload typed. */
export type TypedEvent<T extends EventType> = Omit<ClawbackEvent, 'type' | 'details'> & { type: T; details?: PayloadOf<T> };

/** Narrows an event to one type, typing its payload. */
export function isEvent<T extends EventType>(e: ClawbackEvent, type: T): e is ClawbackEvent & TypedEvent<T> {
  return e.type === type;
}

/** An event's payload as its type says, every field optional (an older journal line may lack some); empty for another type. */
export function payload<T extends EventType>(e: ClawbackEvent, type: T): Partial<PayloadOf<T>> {
  return ((isEvent(e, type) ? e.details : undefined) ?? {}) as Partial<PayloadOf<T>>;
}

export type EventSink = (event: ClawbackEvent) => void;

/** Fans one event out to many sinks; a failing sink never stops the others. */
export class EventBus {
  private readonly sinks: EventSink[] = [];
  private count = 0;
  private sinkFailures = 0;

  /** `onSinkError`: told of each sink that threw (with the count so far), so a failing notifier or plugin is said, not swallowed. */
  constructor(private readonly onSinkError?: (err: unknown, event: ClawbackEvent, failures: number) => void) {}

  /** How many events were emitted so far: a reader of shared state (the API's status) sees by it that something happened. */
  get emitted(): number {
    return this.count;
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  }

  emit(event: ClawbackEvent): void {
    this.count++;
    for (const sink of [...this.sinks]) {
      try {
        sink(event);
      } catch (err) {
        // A sink's failure never stops the others; it is reported, and a failing report stays silent.
        this.sinkFailures++;
        try {
          this.onSinkError?.(err, event, this.sinkFailures);
        } catch {
          // nothing left to tell
        }
      }
    }
  }
}
