// OTP-style restart intensity: more than N restarts within a sliding window trips the crash-loop breaker.

export interface IntensityPolicy {
  maxRestarts: number;
  window: number;
}

export interface IntensityDecision {
  /**
   * Restart times still inside the window, including this one unless it tripped the breaker: a refused restart never ran,
   * and counted, the breaker said "5 restarts within 1m0s (limit 4)" next to RESTARTS 4 (four ran, the fifth exit tripped it).
   */
  history: number[];
  tripped: boolean;
}

export function recordRestart(history: readonly number[], now: number, policy: IntensityPolicy): IntensityDecision {
  const recent = history.filter((t) => now - t < policy.window && t <= now);
  if (recent.length + 1 > policy.maxRestarts) return { history: recent, tripped: true };
  recent.push(now);
  return { history: recent, tripped: false };
}
