// One /api/status answer shared by every viewer: it was built, redacted and serialised once per request (32 dashboards
// polling every 2 s built it 16 times a second), now once per max age or after a state change through the API.
import type { Clock } from '../platform/clock.js';

/** How long one built status answers every request (the dashboard polls every 2 s; the CLI waits for changes). */
export const STATUS_SHARE_MS = 500;

export interface SharedStatus {
  /** The serialised status, built again when older than the max age or invalidated. */
  text(): string;
  /** The next request builds it again (after a state change the API itself made). */
  invalidate(): void;
}

export function sharedStatus(build: () => string, clock: Pick<Clock, 'monotonic'>, maxAgeMs = STATUS_SHARE_MS): SharedStatus {
  let last: { text: string; at: number } | undefined;
  return {
    text() {
      const now = clock.monotonic();
      if (!last || now - last.at >= maxAgeMs || now < last.at) last = { text: build(), at: now };
      return last.text;
    },
    invalidate() {
      last = undefined;
    },
  };
}
