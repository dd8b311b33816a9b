// Turns the readiness probe's per-subsystem verdicts into events when a part starts failing or is ready again (facts, never actions).
import type { ClawbackEvent } from '../observe/events.js';
import { formatDuration } from '../config/duration.js';

interface FailingView {
  name: string;
  kind: string;
  since: number;
  dueAt: number;
  channel?: string;
  detail?: string;
}

/** The probe report fields the reporter reads (a ProbeTickReport of kind openclaw-readiness). */
export interface ReadinessReport {
  kind: string;
  result: { status: string; details?: Record<string, unknown> };
  at: number;
}

function failingOf(r: ReadinessReport): FailingView[] | undefined {
  const f = r.result.details?.failing;
  return Array.isArray(f) ? (f as FailingView[]).filter((v) => v && typeof v.name === 'string') : undefined;
}

/** One per service: remembers which parts were failing at the last answer. */
export class ReadinessReporter {
  private failing = new Map<string, FailingView>();

  constructor(
    private readonly service: string,
    private readonly emit: (e: ClawbackEvent) => void,
    private readonly incidentId: () => string | undefined,
  ) {}

  onReport(r: ReadinessReport): void {
    if (r.kind !== 'openclaw-readiness' || r.result.status === 'unknown') return;
    const now = failingOf(r);
    if (!now) return;
    // A gateway still starting or draining is not a failing part (start-up grace and the stop own those phases).
    const next = new Map(now.filter((v) => v.kind !== 'starting' && v.kind !== 'draining').map((v) => [v.name, v]));
    for (const v of next.values()) {
      if (this.failing.has(v.name)) continue;
      const what = v.kind === 'channel' ? `channel ${v.name}` : v.name;
      const wait = Math.max(0, v.dueAt - r.at);
      this.send('readiness.failing', 'warning', `${this.service}: ${what} fails readiness${v.detail ? ` (${v.detail})` : ''}; ${wait > 0 ? `the gateway's own recovery has ${formatDuration(wait)} before Clawback steps in` : "past the gateway's own recovery bound"}`, {
        subsystem: v.name,
        kind: v.kind,
        ...(v.channel ? { channel: v.channel } : {}),
        since: v.since,
        dueAt: v.dueAt,
        ...(v.detail ? { detail: v.detail } : {}),
      }, r.at);
    }
    for (const v of this.failing.values()) {
      if (next.has(v.name)) continue;
      const what = v.kind === 'channel' ? `channel ${v.name}` : v.name;
      this.send('readiness.recovered', 'resolved', `${this.service}: ${what} is ready again after ${formatDuration(Math.max(0, r.at - v.since))}`, {
        subsystem: v.name,
        kind: v.kind,
        ...(v.channel ? { channel: v.channel } : {}),
        failingForMs: Math.max(0, r.at - v.since),
      }, r.at);
    }
    this.failing = next;
  }

  private send(type: 'readiness.failing' | 'readiness.recovered', severity: ClawbackEvent['severity'], message: string, details: Record<string, unknown>, time: number): void {
    const inc = this.incidentId();
    this.emit({ type, time, severity, service: this.service, message, details, ...(inc ? { incidentId: inc } : {}) });
  }
}
