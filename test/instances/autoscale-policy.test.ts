// The pure autoscaling policy: thresholds with hysteresis, cool-down, bounds, and no flapping under a steady load.
import { describe, expect, it } from 'vitest';
import { autoscaleStep, initialAutoscaleState, type AutoscalePolicy, type AutoscaleState } from '../../src/autoscale/policy.js';

const P: AutoscalePolicy = { min: 1, max: 8, target: 50, tolerance: 0.1, windowMs: 10_000, cooldownMs: 30_000, maxStep: 4 };

/** Feeds one value per second for `seconds` at a fixed count; returns the first decision and when. */
function feed(values: (t: number) => number | null, current: number, seconds: number, p = P, start: AutoscaleState = initialAutoscaleState(), t0 = 0) {
  let state = start;
  for (let t = 0; t <= seconds; t++) {
    const r = autoscaleStep(state, { now: t0 + t * 1000, current, value: values(t) }, p);
    state = r.state;
    if (r.decision) return { decision: r.decision, at: t, state };
  }
  return { decision: null, at: null, state };
}

describe('autoscale policy', () => {
  it.each([
    ['steady inside the band: nothing', () => 52, 2, null, null],
    ['just inside the upper band edge: nothing', () => 54.9, 2, null, null],
    ['above the band: up after half a window', () => 90, 2, 4, 5],
    ['far above: at most maxStep more', () => 500, 2, 6, 5],
    ['capped at max', () => 500, 7, 8, 5],
    ['below the band for a full window: down to fit the peak', () => 10, 4, 1, 8],
    ['down needs every sample below: one spike holds it', (t: number) => (t % 5 === 0 ? 60 : 10), 4, null, null],
    ['down that would not remove an instance: nothing (2 x 42 / 50 -> 2)', () => 42, 2, null, null],
    ['at min: never below', () => 0, 1, null, null],
    ['samples that could not be taken are no evidence', () => null, 3, null, null],
  ])('%s', (_what, values, current, to, at) => {
    const r = feed(values as (t: number) => number | null, current, 30);
    expect(r.decision?.to ?? null).toBe(to);
    expect(r.at).toBe(at);
  });

  it('outside [min, max] (a person scaled it, the file changed): back inside at once', () => {
    expect(autoscaleStep(initialAutoscaleState(), { now: 0, current: 12, value: null }, P).decision).toMatchObject({ from: 12, to: 8 });
    expect(autoscaleStep(initialAutoscaleState(), { now: 0, current: 0, value: null }, P).decision).toMatchObject({ to: 1 });
  });

  it('cool-down: no second decision until it passed, and the samples start over after a change', () => {
    const first = feed(() => 90, 2, 30);
    expect(first.decision?.to).toBe(4);
    expect(first.state.samples).toEqual([]);
    // Still hot at 4 instances, but the cool-down (30 s from t=5) holds until t=35.
    const second = feed(() => 90, 4, 60, P, first.state, 5_000);
    expect(second.decision?.to).toBe(8);
    expect(second.at! * 1000 + 5_000).toBeGreaterThanOrEqual(35_000);
  });

  it("a person's scale is a change: samples taken at the old count are dropped and the cool-down runs from it", () => {
    // A full window at 1 instance, 8 per instance: below the band, at min, nothing to do.
    const low = feed(() => 8, 1, 20);
    expect(low.decision).toBeNull();
    // The person scales to 4 ahead of a spike: the same total load reads 2 per instance. The old window (peak 8)
    // is no evidence at 4 instances, and the person's count holds for the cool-down.
    const after = feed(() => 2, 4, 60, P, low.state, 21_000);
    expect(after.decision?.to).toBe(1);
    expect(after.at! * 1000 + 21_000).toBeGreaterThanOrEqual(21_000 + P.cooldownMs);
    // Too hot at 1 instance (90 each); a person scales to 2: the next decision is made on samples at 2, not on 90.
    const hot = feed((t) => (t < 4 ? 90 : null), 1, 4);
    const two = feed(() => 45, 2, 120, P, hot.state, 5_000);
    expect(two.decision).toBeNull();
  });

  it.each([30, 75, 120, 170, 260, 333, 400])('never flaps: a steady total load of %i converges and stays', (total) => {
    let current = 1;
    let state = initialAutoscaleState();
    const changes: Array<{ at: number; to: number }> = [];
    for (let t = 0; t < 3_600; t++) {
      const r = autoscaleStep(state, { now: t * 1000, current, value: total / current }, P);
      state = r.state;
      if (r.decision) {
        changes.push({ at: t, to: r.decision.to });
        current = r.decision.to;
      }
    }
    // Only moves toward the load: never up then down (or down then up).
    const dirs = changes.map((c, i) => Math.sign(c.to - (i === 0 ? 1 : changes[i - 1]!.to)));
    expect(new Set(dirs).size, JSON.stringify(changes)).toBeLessThanOrEqual(1);
    expect(changes.length).toBeLessThanOrEqual(3);
    // Ends with the per-instance load at or under the upper band edge, or at max.
    expect(total / current <= P.target * (1 + P.tolerance) || current === P.max).toBe(true);
  });

  it('a load that drops is followed down, and a scale-down never lands above the band', () => {
    let current = 8;
    let state = initialAutoscaleState();
    for (let t = 0; t < 600; t++) {
      const r = autoscaleStep(state, { now: t * 1000, current, value: 100 / current }, P);
      state = r.state;
      if (r.decision) {
        expect(100 / r.decision.to).toBeLessThanOrEqual(P.target * (1 + P.tolerance));
        current = r.decision.to;
      }
    }
    expect(current).toBe(2);
  });
});
