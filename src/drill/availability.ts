// Availability as a user sees it: outside poll results -> outages (first failed poll to first good one), uptime %, time to recover.

/** One poll of the service from outside: when it started and whether it answered well. */
export interface PollSample {
  at: number;
  ok: boolean;
}

export interface Outage {
  /** Epoch ms of the first failed poll. */
  from: number;
  /** Epoch ms of the first good poll after it (or the last poll, when the run ended down). */
  to: number;
  /** The run ended before a good poll came. */
  open: boolean;
  failedPolls: number;
}

/** Folds poll samples (in time order) into outages. Streaming: feed samples one by one with `add`. */
export class OutageTracker {
  readonly outages: Outage[] = [];
  first: number | null = null;
  last: number | null = null;
  polls = 0;
  failed = 0;
  private current: Outage | null = null;

  add(s: PollSample): void {
    this.polls++;
    this.first ??= s.at;
    this.last = s.at;
    if (s.ok) {
      if (this.current) {
        this.current.to = s.at;
        this.current.open = false;
        this.current = null;
      }
      return;
    }
    this.failed++;
    if (this.current) {
      this.current.failedPolls++;
      this.current.to = s.at;
    } else {
      this.current = { from: s.at, to: s.at, open: true, failedPolls: 1 };
      this.outages.push(this.current);
    }
  }

  /** True while the latest poll failed. */
  down(): boolean {
    return this.current !== null;
  }
}

export function outagesOf(samples: readonly PollSample[]): Outage[] {
  const t = new OutageTracker();
  for (const s of samples) t.add(s);
  return t.outages;
}

export function downtimeMs(outages: readonly Outage[]): number {
  return outages.reduce((sum, o) => sum + (o.to - o.from), 0);
}

/** Up time / observed time (first to last poll), 0..1; null with fewer than two polls. */
export function availabilityOf(outages: readonly Outage[], first: number | null, last: number | null): number | null {
  if (first === null || last === null || last <= first) return null;
  return Math.max(0, 1 - downtimeMs(outages) / (last - first));
}

/** The part of the outages that falls inside [from, to]. */
export function downtimeWithin(outages: readonly Outage[], from: number, to: number): number {
  let sum = 0;
  for (const o of outages) sum += Math.max(0, Math.min(o.to, to) - Math.max(o.from, from));
  return sum;
}

/**
 * Time to recover from a fault injected at `from` whose effects ended by `to`: until the end of the last outage
 * that overlaps [from, to] (a poll already in flight when the fault struck may fail and start the outage a little
 * before `from`); 0 when no poll failed (the user saw nothing); null when that outage never ended.
 */
export function ttrWithin(outages: readonly Outage[], from: number, to: number): number | null {
  const mine = outages.filter((o) => o.from <= to && o.to >= from);
  if (mine.length === 0) return 0;
  const lastOne = mine[mine.length - 1]!;
  return lastOne.open ? null : Math.max(0, lastOne.to - from);
}
