// What /healthz says of the daemon's supervision, not of its HTTP server: a daemon whose chores stopped (a stuck timer
// chain, a deadlock) answered 200 and the guardian left it running while nothing supervised the services.
import type { Clock } from '../platform/clock.js';

/** A supervision chore (every 2 s) last completed longer ago than this: the supervision loop is stuck. */
export const SUPERVISION_STALE_MS = 30_000;

export interface SupervisionHealth {
  status: 200 | 503;
  body: { ok: boolean; supervision: { lastChoreAgeMs: number | null; boundMs: number; starting: boolean }; error?: string };
}

/** The liveness of the supervision loop: stamped by its chore, read by /healthz. */
export class SupervisionPulse {
  private lastChoreAt: number | undefined;

  constructor(
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly boundMs = SUPERVISION_STALE_MS,
  ) {}

  /** A supervision chore completed now. */
  beat(): void {
    this.lastChoreAt = this.clock.monotonic();
  }

  /** Pure given the clock: 503 with the reason once the last completed chore is older than the bound (none yet while starting). */
  health(starting: boolean): SupervisionHealth {
    const age = this.lastChoreAt === undefined ? null : Math.max(0, Math.round(this.clock.monotonic() - this.lastChoreAt));
    const supervision = { lastChoreAgeMs: age, boundMs: this.boundMs, starting };
    if (age === null || age <= this.boundMs) return { status: 200, body: { ok: true, supervision } };
    const error = `supervision stuck: its last chore completed ${Math.round(age / 1000)} s ago (expected at most ${Math.round(this.boundMs / 1000)} s, one every 2 s); the API answers but no probe, restart or heartbeat runs`;
    return { status: 503, body: { ok: false, supervision, error } };
  }
}
