// The one vocabulary of things Clawback does: journaled, notified, counted and shown from the same record.

export type Severity = 'info' | 'warning' | 'critical' | 'resolved';

/** Ladder levels: 0 keep-alive, 1 watchdog, 2 doctor, 3 emergency (AI), 4 human. */
export type Level = 0 | 1 | 2 | 3 | 4;

export type EventType =
  | 'daemon.started'
  | 'daemon.stopped'
  | 'daemon.adopted'
  | 'daemon.history-lost'
  | 'guardian.revived'
  | 'service.started'
  | 'service.exited'
  | 'service.stopped'
  | 'service.restart-scheduled'
  | 'service.restarting'
  | 'service.healthy'
  | 'service.unhealthy'
  | 'probe.failed'
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
  | 'notify.test'
  | 'daemon.degraded'
  | 'daemon.recovered'
  | 'daemon.crashed';

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

export type EventSink = (event: ClawbackEvent) => void;

/** Fans one event out to many sinks; a failing sink never stops the others. */
export class EventBus {
  private readonly sinks: EventSink[] = [];

  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  }

  emit(event: ClawbackEvent): void {
    for (const sink of [...this.sinks]) {
      try {
        sink(event);
      } catch {
        // A sink's failure is its own business (each sink logs its own errors).
      }
    }
  }
}
