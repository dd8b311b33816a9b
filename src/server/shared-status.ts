// One /api/status answer shared by every viewer: it was built, redacted and serialised once per request (32 dashboards
// polling every 2 s built it 16 times a second), now once per max age, after any event (a crash, a probe verdict) or
// after a state change through the API.
import type { Clock } from '../platform/clock.js';

/** How long one built status answers every request (the dashboard polls every 2 s; the CLI waits for changes). */
export const STATUS_SHARE_MS = 500;

export interface SharedStatus {
  /** The serialised status, built again when older than the max age or invalidated. */
  text(): string;
  /** The next request builds it again (after a state change the API itself made). */
  invalidate(): void;
}

/**
 * `version`: a number that changes whenever what the status shows may have changed (the daemon's count of emitted
 * events): a change is seen at once, not up to maxAgeMs late (drills and the bench time recoveries from the status).
 */
export function sharedStatus(build: () => string, clock: Pick<Clock, 'monotonic'>, maxAgeMs = STATUS_SHARE_MS, version: () => number = () => 0): SharedStatus {
  let last: { text: string; at: number; version: number } | undefined;
  return {
    text() {
      const now = clock.monotonic();
      const v = version();
      if (!last || last.version !== v || now - last.at >= maxAgeMs || now < last.at) last = { text: build(), at: now, version: v };
      return last.text;
    },
    invalidate() {
      last = undefined;
    },
  };
}
