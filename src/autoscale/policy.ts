// The autoscaling decision, pure: samples of a per-instance metric in, a new instance count (or none) out.

export interface AutoscalePolicy {
  min: number;
  max: number;
  /** Per-instance value to hold. */
  target: number;
  /** Hysteresis band around the target (0.1 = ±10 %). */
  tolerance: number;
  windowMs: number;
  cooldownMs: number;
  maxStep: number;
}

export interface AutoscaleState {
  /** Per-instance metric values inside the window, oldest first (taken at the current instance count). */
  samples: Array<{ at: number; value: number }>;
  lastChangeAt: number | null;
  /** The instance count the samples were taken at (null: none yet); another count means someone else changed it. */
  count?: number | null;
}

export interface ScaleDecision {
  from: number;
  to: number;
  /** One sentence: the average or peak, the target and the band. */
  reason: string;
}

export function initialAutoscaleState(): AutoscaleState {
  return { samples: [], lastChangeAt: null, count: null };
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/**
 * One step. A sample that could not be taken (value null) is no evidence either way. Decides only outside the
 * cool-down and with enough of the window seen:
 * - up, when the window's average is above the band: ceil(current x average / target), at most maxStep more;
 * - down, when every sample of a full window is below the band: ceil(current x peak / target), at most maxStep
 *   fewer, and only when that is fewer: the peak of the window still fits under the target after the change (no flap back up);
 * - back inside [min, max] when the count is outside (a person's `scale`, a changed file) without waiting.
 * After a change the samples start over: they were taken at another instance count. A change made by someone else
 * (a person's `clawback scale`, a reload) is a change too: the samples start over and the cool-down runs from it.
 */
export function autoscaleStep(
  state: AutoscaleState,
  /** now: monotonic milliseconds (the samples' and the last change's times are only compared with each other). */
  input: { now: number; current: number; value: number | null },
  p: AutoscalePolicy,
): { state: AutoscaleState; decision: ScaleDecision | null } {
  const { now, current } = input;
  // Samples taken at another count say nothing about this one (cpu per instance halves when the instances double).
  const outside = state.count != null && state.count !== current;
  const samples = outside ? [] : state.samples.filter((s) => s.at > now - p.windowMs);
  if (input.value !== null && Number.isFinite(input.value)) samples.push({ at: now, value: Math.max(0, input.value) });
  const changed = (to: number, reason: string): { state: AutoscaleState; decision: ScaleDecision } => ({
    state: { samples: [], lastChangeAt: now, count: to },
    decision: { from: current, to, reason },
  });
  if (current < p.min) return changed(p.min, `below the minimum of ${p.min}`);
  if (current > p.max) return changed(p.max, `above the maximum of ${p.max}`);
  const next: AutoscaleState = { samples, lastChangeAt: outside ? now : state.lastChangeAt, count: current };
  if (state.lastChangeAt !== null && now - state.lastChangeAt < p.cooldownMs) return { state: next, decision: null };
  if (samples.length === 0) return { state: next, decision: null };
  const span = now - samples[0]!.at;
  const avg = samples.reduce((a, s) => a + s.value, 0) / samples.length;
  const peak = Math.max(...samples.map((s) => s.value));
  const high = p.target * (1 + p.tolerance);
  const low = p.target * (1 - p.tolerance);
  // Half a window of evidence before going up; a whole window (one interval of slack) before going down.
  if (avg > high && span >= p.windowMs / 2 && current < p.max) {
    const to = Math.min(p.max, current + p.maxStep, Math.max(current + 1, Math.ceil((current * avg) / p.target)));
    return changed(to, `average ${fmt(avg)} per instance over ${Math.round(span / 1000)} s is above the target ${fmt(p.target)} (+${Math.round(p.tolerance * 100)} %)`);
  }
  const down = Math.max(p.min, current - p.maxStep, Math.ceil((current * peak) / p.target));
  if (peak < low && span >= p.windowMs * 0.8 && down < current) {
    const to = down;
    return changed(to, `peak ${fmt(peak)} per instance over ${Math.round(span / 1000)} s is below the target ${fmt(p.target)} (-${Math.round(p.tolerance * 100)} %)`);
  }
  return { state: next, decision: null };
}
