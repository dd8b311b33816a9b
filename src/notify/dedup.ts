// One alert per fact: an identical event inside the window is recognised and suppressed.
import { formatDuration } from '../config/duration.js';
import type { ClawbackEvent } from '../observe/events.js';

const MAX_KEYS = 10_000;

type Keyed = Pick<ClawbackEvent, 'type' | 'service' | 'incidentId' | 'message'> & Partial<Pick<ClawbackEvent, 'details'>>;

/**
 * Facts that differ between two occurrences of the same event without changing what it means (how long the process
 * ran before it exited): left out of the key, in the details and where the message spells them out, so a crash loop's
 * identical exits are one fact, not a new alert per exit.
 */
const INCIDENTAL: Partial<Record<string, { field: string; text: (v: unknown) => string[] }>> = {
  // Spelled as the reducer does ("after 4.2s"), and as older daemons did ("after 4201 ms": spooled or replayed alerts).
  'service.exited': { field: 'uptimeMs', text: (v) => [...(typeof v === 'number' ? [` after ${formatDuration(v)}`] : []), ` after ${String(v)} ms`] },
};

/** What the event means: its message and details, without the incidental facts of its type. */
function meaning(event: Keyed): unknown[] {
  const inc = INCIDENTAL[event.type];
  if (!inc || !event.details || !(inc.field in event.details)) return [event.message];
  const { [inc.field]: value, ...rest } = event.details;
  return [inc.text(value).reduce((message, text) => message.replace(text, ''), event.message), rest];
}

export function dedupKey(event: Keyed): string {
  return JSON.stringify([event.type, event.service ?? null, event.incidentId ?? null, ...meaning(event)]);
}

/** Remembers when each key was last let through; the caller supplies the time, monotonic (the window is a duration). */
export class DedupWindow {
  private readonly seen = new Map<string, number>();

  /**
   * `from`: the window of the notifier this one replaces (a reload that changed `notify:`), whose memory it keeps: a new,
   * empty one let a flapping service's duplicates out again right after the reload.
   */
  constructor(
    private readonly windowMs: number,
    from?: DedupWindow,
  ) {
    if (from) for (const [k, t] of from.seen) this.seen.set(k, t);
  }

  /**
   * True when the event should be sent (and records it); false for a repeat inside the window. `to`: who would read it
   * (a channel's destination): one that was not there for the first (a channel a reload added) is told of the repeat.
   */
  admit(event: Keyed, now: number, to = ''): boolean {
    if (this.windowMs <= 0) return true;
    this.prune(now);
    const key = to === '' ? dedupKey(event) : `${to}\u0000${dedupKey(event)}`;
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
