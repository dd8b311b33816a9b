// A bounded, time-ordered ring buffer of samples, so a forecaster's memory never grows with uptime.

export interface TimedSample {
  /** Milliseconds on one clock for the whole window (the daemon feeds the monotonic clock). */
  t: number;
}

/** Samples a trend window keeps (memory and latency alike): a fit never sees more, whatever its minSamples. */
export const TREND_CAPACITY = 240;

export interface SampleWindowOptions {
  /** Most samples kept; the oldest is overwritten first. */
  capacity: number;
  /**
   * Samples closer than this to the last kept one are skipped (default 0). Set to window/capacity so a
   * fast sampler cannot squeeze the window's span below what the buffer holds.
   */
  minSpacingMs?: number;
}

export class SampleWindow<T extends TimedSample> {
  private readonly slots: (T | undefined)[];
  private start = 0;
  private count = 0;
  private readonly minSpacingMs: number;

  constructor(opts: SampleWindowOptions) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 2) throw new Error(`capacity must be an integer >= 2, got ${opts.capacity}`);
    this.slots = new Array<T | undefined>(opts.capacity);
    this.minSpacingMs = Math.max(0, opts.minSpacingMs ?? 0);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.slots.length;
  }

  last(): T | undefined {
    return this.count === 0 ? undefined : this.slots[(this.start + this.count - 1) % this.slots.length];
  }

  /**
   * Adds a sample. Returns false when it was skipped (too close to the previous one or not finite).
   * A sample older than the last one means its clock went back (a caller on the wall clock): the buffer restarts from it.
   */
  push(sample: T): boolean {
    if (!Number.isFinite(sample.t)) return false;
    const last = this.last();
    if (last !== undefined) {
      if (sample.t < last.t) this.clear();
      else if (sample.t - last.t < this.minSpacingMs || sample.t === last.t) return false;
    }
    if (this.count < this.slots.length) {
      this.slots[(this.start + this.count) % this.slots.length] = sample;
      this.count++;
    } else {
      this.slots[this.start] = sample;
      this.start = (this.start + 1) % this.slots.length;
    }
    return true;
  }

  /** Samples with now - windowMs <= t <= now, oldest first. */
  within(now: number, windowMs: number): T[] {
    const from = now - windowMs;
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = this.slots[(this.start + i) % this.slots.length]!;
      if (s.t >= from && s.t <= now) out.push(s);
    }
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.count = 0;
  }
}
