// An open incident must not go quiet: a reminder every interval until it is resolved.
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';
import { isRepeatEscalation } from './incident-thread.js';

const MAX_OPEN_INCIDENTS = 1000;

interface OpenIncident {
  openedAt: number;
  last: ClawbackEvent;
  /** The incident's opening, what a reminder says again once a person took over from an escalation. */
  opened?: ClawbackEvent;
  timer: TimerHandle;
}

/** A person's start/resume/restart of the incident's service after its escalation (the reducer's `human-resume`). */
function isHumanTakeover(event: ClawbackEvent): boolean {
  return event.type === 'incident.action' && event.details?.action === 'human-resume';
}

export type RemindFn = (last: ClawbackEvent, openedAt: number) => void;

/** Watches incident events; owns one timer per open incident; stop() cancels them all. */
export class ReminderTracker {
  private readonly open = new Map<string, OpenIncident>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly remind: RemindFn,
  ) {}

  observe(event: ClawbackEvent): void {
    if (this.stopped || this.intervalMs <= 0 || !event.incidentId) return;
    const id = event.incidentId;
    if (event.type === 'incident.resolved') {
      this.open.get(id)?.timer.cancel();
      this.open.delete(id);
      return;
    }
    const prev = this.open.get(id);
    // A person resumed it: "needs a human, run resume" is no longer true; the incident is open again from its start.
    if (prev && prev.last.type === 'incident.escalated' && isHumanTakeover(event)) {
      prev.last = prev.opened ?? event;
      return;
    }
    if (event.type !== 'incident.opened' && event.type !== 'incident.escalated') return;
    // A repeated escalation (a cool-down retry failed again) is what the next reminder says; it does not put it off.
    if (prev && isRepeatEscalation(event)) {
      prev.last = event;
      return;
    }
    prev?.timer.cancel();
    if (!prev && this.open.size >= MAX_OPEN_INCIDENTS) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) {
        this.open.get(oldest)?.timer.cancel();
        this.open.delete(oldest);
      }
    }
    const openedAt = prev?.openedAt ?? event.time;
    const opened = event.type === 'incident.opened' ? event : prev?.opened;
    const entry: OpenIncident = { openedAt, last: event, ...(opened ? { opened } : {}), timer: this.schedule(id) };
    this.open.set(id, entry);
  }

  openIncidents(): string[] {
    return [...this.open.keys()];
  }

  stop(): void {
    this.stopped = true;
    for (const inc of this.open.values()) inc.timer.cancel();
    this.open.clear();
  }

  private schedule(id: string): TimerHandle {
    return this.clock.setTimeout(() => {
      const inc = this.open.get(id);
      if (!inc || this.stopped) return;
      inc.timer = this.schedule(id);
      this.remind(inc.last, inc.openedAt);
    }, this.intervalMs);
  }
}
