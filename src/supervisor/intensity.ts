// OTP-style restart intensity: more than N restarts within a sliding window trips the crash-loop breaker.

export interface IntensityPolicy {
  maxRestarts: number;
  window: number;
}

export interface IntensityDecision {
  /** Restart times still inside the window, including this one. */
  history: number[];
  tripped: boolean;
}

export function recordRestart(history: readonly number[], now: number, policy: IntensityPolicy): IntensityDecision {
  const recent = history.filter((t) => now - t < policy.window && t <= now);
  recent.push(now);
  return { history: recent, tripped: recent.length > policy.maxRestarts };
}
