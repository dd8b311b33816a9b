// One timer for every probe of the daemon: a heap of due times behind a single clock timer, and how late each tick fired.
import type { Clock, TimerHandle } from '../platform/clock.js';

/**
 * Due times are rounded to a grid so ticks that fall close together share one wake-up: a tick to the
 * nearest point (it may run up to half a step early or late), a deadline up to the next point (a check
 * always gets its whole timeout). This is the grid of a slot that asks for none.
 */
export const DEFAULT_RESOLUTION_MS = 10;

/**
 * The grid for a probe of this interval: a tenth of it, as one of 100/50/20/10 ms, so the ticks of
 * many services meet on shared wake-ups (at 100 services with 1 s probes a 10 ms grid woke the daemon
 * up to 100 times a second for ticks alone, a 100 ms grid at most 10 times) while a tick moves by at
 * most 5 % of its interval.
 */
export function gridForInterval(intervalMs: number): number {
  for (const step of [100, 50, 20]) if (intervalMs >= step * 10) return step;
  return DEFAULT_RESOLUTION_MS;
}

/** Grids that a synchronous probe's interval may use, coarsest first (each divides 1 s or a multiple of it). */
const SYNC_GRIDS_MS = [1000, 500, 250, 200, 100];

/**
 * The tick grid of a synchronous probe (a few /proc reads that cannot hang, checked inside the tick): its whole
 * interval up to 1 s, or the coarsest of 1000/500/250/200/100 ms that divides a longer one, so every such probe
 * with that interval runs in one wake-up (20 services' 500 ms memory probes: 2 wake-ups a second, not up to 20).
 * The grid divides the interval, so the period stays exact; an interval no grid divides keeps gridForInterval.
 */
export function syncGridForInterval(intervalMs: number): number {
  if (Number.isInteger(intervalMs) && intervalMs >= 100 && intervalMs <= 1000) return intervalMs;
  for (const step of SYNC_GRIDS_MS) if (intervalMs % step === 0) return step;
  return gridForInterval(intervalMs);
}

/** Upper bounds (ms) of the lateness histogram's buckets; the last bucket is everything above. */
export const LATENESS_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

export interface LatenessStats {
  /** Ticks fired since the scheduler was made. */
  count: number;
  sumMs: number;
  maxMs: number;
  /** Cumulative counts per bound of LATENESS_BUCKETS_MS (Prometheus style), then +Inf = count. */
  buckets: Array<{ leMs: number; count: number }>;
  /** Percentiles read from the histogram: the upper bound of the bucket holding them. */
  p50Ms: number;
  p99Ms: number;
  /** Slots currently waiting for their time. */
  pending: number;
}

/**
 * A reusable place in the schedule, owned by one worker: `at` (re)arms it, `cancel` removes it.
 * Re-arming a slot allocates nothing, so the steady probe loop creates no garbage here.
 */
export class ScheduledSlot {
  /** Index in the heap, -1 when not scheduled. */
  index = -1;
  /** Monotonic ms when it is due (rounded to the grid). */
  due = 0;
  seq = 0;

  constructor(
    private readonly scheduler: ProbeScheduler,
    readonly fn: () => void,
    /** False for deadlines (a check's timeout): only probe ticks go into the lateness histogram, and deadlines round up. */
    readonly recordLateness = true,
    /** This slot's grid (ms); 0: the scheduler's. */
    readonly resolution = 0,
  ) {}

  /** Runs fn once, delayMs from now (replacing an earlier time if armed). */
  at(delayMs: number): void {
    this.scheduler.arm(this, delayMs);
  }

  cancel(): void {
    this.scheduler.disarm(this);
  }

  get armed(): boolean {
    return this.index >= 0;
  }
}

export class ProbeScheduler {
  private readonly heap: ScheduledSlot[] = [];
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  private seq = 0;
  private readonly resolution: number;
  private readonly histogram = new Array<number>(LATENESS_BUCKETS_MS.length + 1).fill(0);
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;
  /** True while runDue fires slots: their re-arms wait for its one rearm at the end (not a clock timer per slot). */
  private firing = false;
  private readonly fire = (): void => this.runDue();

  constructor(
    private readonly clock: Clock,
    opts: { resolutionMs?: number; onError?: (err: unknown) => void } = {},
  ) {
    this.resolution = Math.max(1, opts.resolutionMs ?? DEFAULT_RESOLUTION_MS);
    this.onError = opts.onError;
  }

  private readonly onError: ((err: unknown) => void) | undefined;

  slot(fn: () => void, opts: { recordLateness?: boolean; resolutionMs?: number } = {}): ScheduledSlot {
    return new ScheduledSlot(this, fn, opts.recordLateness ?? true, Math.max(0, Math.floor(opts.resolutionMs ?? 0)));
  }

  /** A one-off call, for callers that hold no slot. */
  schedule(fn: () => void, delayMs: number): TimerHandle {
    const s = this.slot(fn);
    s.at(delayMs);
    return s;
  }

  /** @internal (ScheduledSlot.at) */
  arm(slot: ScheduledSlot, delayMs: number): void {
    if (slot.index >= 0) this.remove(slot);
    const now = this.clock.monotonic();
    const wanted = now + Math.max(0, delayMs);
    const grid = slot.resolution || this.resolution;
    // A tick goes to the nearest grid point, a deadline to the next one (never early).
    slot.due = (slot.recordLateness ? Math.round(wanted / grid) : Math.ceil(wanted / grid)) * grid;
    slot.seq = this.seq++;
    slot.index = this.heap.length;
    this.heap.push(slot);
    this.up(slot.index);
    this.rearm();
  }

  /** @internal (ScheduledSlot.cancel) */
  disarm(slot: ScheduledSlot): void {
    if (slot.index < 0) return;
    this.remove(slot);
    this.rearm();
  }

  /** Cancels the wake-up and forgets every slot (they may be armed again). Idempotent. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerDue = Infinity;
    for (const s of this.heap) s.index = -1;
    this.heap.length = 0;
  }

  get pending(): number {
    return this.heap.length;
  }

  latency(): LatenessStats {
    let cumulative = 0;
    const buckets = LATENESS_BUCKETS_MS.map((leMs, i) => ({ leMs, count: (cumulative += this.histogram[i]!) }));
    const pct = (q: number): number => {
      if (this.count === 0) return 0;
      const rank = Math.ceil(this.count * q);
      const b = buckets.find((x) => x.count >= rank);
      return b ? b.leMs : this.maxMs;
    };
    return { count: this.count, sumMs: this.sumMs, maxMs: this.maxMs, buckets, p50Ms: pct(0.5), p99Ms: pct(0.99), pending: this.heap.length };
  }

  private runDue(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.monotonic();
    // Everything due now fires in (due, order of arming) order; a callback may arm its slot again,
    // for a later time, so the loop ends. Their arms set no clock timer: 20 memory probes re-arming in one
    // wake-up set and cancelled 20 Node timers (and each HTTP tick's deadline one more) for the one kept here.
    this.firing = true;
    try {
      for (;;) {
        const top = this.heap[0];
        // 1 ms of slack: the event loop's cached time may wake us a hair before performance.now() agrees.
        if (top === undefined || top.due > now + 1) break;
        this.remove(top);
        // Lateness is counted from the grid point: the shift to the grid is by design, the rest is the daemon's.
        if (top.recordLateness) this.record(now - top.due);
        try {
          top.fn();
        } catch (err) {
          if (this.onError) this.onError(err);
          else process.emitWarning(`probe scheduler: a tick threw: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      this.firing = false;
      this.rearm();
    }
  }

  private record(lateMs: number): void {
    const late = Math.max(0, lateMs);
    this.count++;
    this.sumMs += late;
    if (late > this.maxMs) this.maxMs = late;
    let i = 0;
    while (i < LATENESS_BUCKETS_MS.length && late > LATENESS_BUCKETS_MS[i]!) i++;
    this.histogram[i]!++;
  }

  /** Keeps exactly one clock timer, for the earliest due slot. */
  private rearm(): void {
    if (this.firing) return;
    const top = this.heap[0];
    if (top === undefined) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerDue = Infinity;
      return;
    }
    if (this.timer !== undefined && this.timerDue === top.due) return;
    this.timer?.cancel();
    this.timerDue = top.due;
    this.timer = this.clock.setTimeout(this.fire, top.due - this.clock.monotonic());
  }

  private less(a: ScheduledSlot, b: ScheduledSlot): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private remove(slot: ScheduledSlot): void {
    const i = slot.index;
    const last = this.heap.pop()!;
    slot.index = -1;
    if (last !== slot) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.index = j;
    b.index = i;
  }
}
