// Restart delays: the first restart is immediate, later ones grow exponentially to a cap, with jitter.
import type { BackoffConfig } from '../config/schema.js';

/**
 * Delay before restart number `attempt` (0-based) since the service was last stable.
 * attempt 0 -> 0 ms; attempt n -> min(max, initial * multiplier^(n-1)) spread by ±jitter.
 */
export function backoffDelay(attempt: number, policy: BackoffConfig, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(policy.max, policy.initial * policy.multiplier ** (attempt - 1));
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(policy.max, Math.round(base + spread)));
}

/** Whether a run that lasted `uptimeMs` was stable enough to start the backoff over. */
export function isStableRun(uptimeMs: number, stableAfterMs: number): boolean {
  return uptimeMs >= stableAfterMs;
}
