// Every wait in a drill is bounded: poll a condition at a fixed pace until it holds or the deadline passes.
import type { Clock } from '../platform/clock.js';

export interface PollOptions {
  clock: Clock;
  /** Give up after this many ms. */
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves with fn's first truthy value, or undefined at the deadline. Errors thrown by fn count as "not yet". fn gets
 * the ms left until the deadline (at least 1): a look that can be slow (an HTTP answer) is bounded by that, not by a
 * fixed figure of its own.
 */
export async function pollUntil<T>(fn: (leftMs: number) => T | Promise<T>, opts: PollOptions): Promise<NonNullable<T> | undefined> {
  const interval = opts.intervalMs ?? 50;
  const deadline = opts.clock.monotonic() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) return undefined;
    try {
      const v = await fn(Math.max(1, deadline - opts.clock.monotonic()));
      if (v) return v as NonNullable<T>;
    } catch {
      // not yet
    }
    const left = deadline - opts.clock.monotonic();
    if (left <= 0) return undefined;
    try {
      await opts.clock.sleep(Math.min(interval, left), opts.signal);
    } catch {
      return undefined;
    }
  }
}
