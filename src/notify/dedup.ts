// One alert per fact: an identical event inside the window is recognised and suppressed.
import type { ClawbackEvent } from '../observe/events.js';

const MAX_KEYS = 10_000;

export function dedupKey(event: Pick<ClawbackEvent, 'type' | 'service' | 'incidentId' | 'message'>): string {
  return JSON.stringify([event.type, event.service ?? null, event.incidentId ?? null, event.message]);
}

/** Remembers when each key was last let through; the caller supplies the time. */
export class DedupWindow {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the event should be sent (and records it); false for a repeat inside the window. */
  admit(event: Pick<ClawbackEvent, 'type' | 'service' | 'incidentId' | 'message'>, now: number): boolean {
    if (this.windowMs <= 0) return true;
    this.prune(now);
    const key = dedupKey(event);
    const last = this.seen.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.seen.delete(key);
    this.seen.set(key, now);
    return true;
  }

  size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    // Insertion order is time order, so expired keys sit at the front.
    for (const [k, t] of this.seen) {
      if (now - t < this.windowMs && this.seen.size <= MAX_KEYS) break;
      this.seen.delete(k);
    }
  }
}
