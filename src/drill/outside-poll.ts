// The user's view during a chaos run: polls the service from outside at a fixed pace until stopped, folding results into outages.
import type { Clock } from '../platform/clock.js';
import { OutageTracker } from './availability.js';

export interface OutsidePoll {
  readonly tracker: OutageTracker;
  /** Stops polling; resolves when the last poll has finished. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts polling: `check` is one look (true = serving), bounded by its own timeout. Polls never overlap;
 * the next one starts `intervalMs` after the previous one started (or at once when it took longer).
 */
export function startOutsidePoll(check: () => Promise<boolean>, clock: Clock, intervalMs: number): OutsidePoll {
  const tracker = new OutageTracker();
  const stopper = new AbortController();
  const loop = (async () => {
    // Bounded by the stop signal: the owner (the chaos run) always stops it in a finally.
    while (!stopper.signal.aborted) {
      const started = clock.monotonic();
      const at = clock.now();
      const ok = await check().catch(() => false);
      if (stopper.signal.aborted) break;
      tracker.add({ at, ok });
      const left = intervalMs - (clock.monotonic() - started);
      if (left > 0) await clock.sleep(left, stopper.signal).catch(() => undefined);
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    tracker,
    stop: () =>
      (stopped ??= (async () => {
        stopper.abort();
        await loop;
      })()),
  };
}
