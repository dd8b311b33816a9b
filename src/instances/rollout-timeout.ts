// The bound of one instance's rolling restart, checked alike by the CLI and the API: "10" (10 ms) or 0 took an instance down and failed at once.
import { formatDuration, parseDuration } from '../config/duration.js';

/** Less than this, no instance can restart and pass a probe: the rollout would stop after taking one down. */
export const MIN_ROLLOUT_TIMEOUT_MS = 1000;
/** More than this is a typo (and the CLI's wait, 64 x it, would pass what a timer holds). */
export const MAX_ROLLOUT_TIMEOUT_MS = 3_600_000;

/** The timeout in ms, or a sentence naming the field, the value and what is expected. */
export function parseRolloutTimeout(field: string, text: string): { ms: number } | { error: string } {
  const ms = parseDuration(text);
  if (ms === undefined) return { error: `${field}: expected a duration such as 60s, got ${JSON.stringify(text)}` };
  if (ms < MIN_ROLLOUT_TIMEOUT_MS || ms > MAX_ROLLOUT_TIMEOUT_MS) {
    const bare = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? '; a number without a unit is milliseconds' : '';
    return { error: `${field}: expected a duration from 1s to 1h (the time one instance may take to restart and pass its probes), got ${JSON.stringify(text)} (${formatDuration(ms)}${bare}); nothing restarted` };
  }
  return { ms };
}
