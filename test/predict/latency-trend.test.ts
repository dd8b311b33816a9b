import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { LatencyTracker } from '../../src/predict/latency-tracker.js';
import { analyzeLatencyTrend, latencySampleFromProbe, type LatencySample } from '../../src/predict/latency-trend.js';
import { predictionSchema } from '../../src/predict/predict-schema.js';
import { MIN, T0, rng } from './series.js';

const cfg = predictionSchema.parse({}).latency;
const opts = {
  windowMs: cfg.window,
  minSamples: cfg.minSamples,
  minRelativeIncrease: cfg.minRelativeIncrease,
  minAbsoluteIncreaseMs: cfg.minAbsoluteIncrease,
  minFailureShare: cfg.minFailureShare,
  thresholdMs: 2000,
};

/** Probe results every 5 s (the http probe's default interval) for 10 min: latency(ms since T0, random) and failure probability(ms since T0). */
function probes(latency: (ms: number, r: () => number) => number, failP: (ms: number) => number, seed: number): LatencySample[] {
  const r = rng(seed);
  const out: LatencySample[] = [];
  for (let ms = 0; ms <= 10 * MIN; ms += 5_000) {
    const ok = r() >= failP(ms);
    out.push(ok ? { t: T0 + ms, ok, latencyMs: latency(ms, r) } : { t: T0 + ms, ok });
  }
  return out;
}

const now = T0 + 10 * MIN;

describe('latency trend', () => {
  it('rising latency (50 -> 350 ms over 10 min, ±20 % jitter) warns, with an ETA to the threshold', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const s = probes((ms, r) => (50 + ms / 2000) * (0.8 + 0.4 * r()), () => 0, seed);
      const t = analyzeLatencyTrend(s, now, opts);
      expect(t.kinds, t.message).toEqual(['latency-rising']);
      expect(t.warning).toBe(true);
      expect(t.message).toMatch(/^latency rising: median \d+ ms -> \d+ ms/);
      expect(t.recentMs! / t.baselineMs!).toBeGreaterThan(2);
      // The line is at ~350 ms and climbs 0.5 ms/s: 2000 ms in about 55 min.
      expect(t.etaMs! / MIN).toBeGreaterThan(40);
      expect(t.etaMs! / MIN).toBeLessThan(70);
    }
  });

  it('stable but jittery latency (30-90 ms, 5 % spikes to 800 ms) never warns', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const s = probes((_, r) => (r() < 0.05 ? 800 : 30 + 60 * r()), () => 0, seed);
      for (let ms = 6 * MIN; ms <= 10 * MIN; ms += 30_000) {
        const t = analyzeLatencyTrend(s, T0 + ms, opts);
        expect(t.warning, t.message).toBe(false);
      }
    }
  });

  it('a one-off latency step (50 -> 300 ms) is not a trend', () => {
    const s = probes((ms, r) => (ms < 5 * MIN ? 50 : 300) * (0.9 + 0.2 * r()), () => 0, 3);
    const t = analyzeLatencyTrend(s, now, opts);
    expect(t.warning, t.message).toBe(false);
  });

  it('a slow endpoint that creeps by 3 ms is below the absolute floor', () => {
    const s = probes((ms) => 2 + ms / 200_000, () => 0, 1);
    const t = analyzeLatencyTrend(s, now, opts);
    expect(t.warning, t.message).toBe(false);
    expect(t.message).toMatch(/below the warning increase/);
  });

  it('a growing failure share (2 % -> 60 %) warns', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const s = probes(() => 40, (ms) => 0.02 + (0.58 * ms) / (10 * MIN), seed);
      const t = analyzeLatencyTrend(s, now, opts);
      expect(t.kinds, t.message).toContain('failures-rising');
      expect(t.failureShare.recent).toBeGreaterThan(t.failureShare.baseline);
      expect(t.message).toMatch(/failures rising: \d+ % -> \d+ % of probes/);
    }
  });

  it('a steady 20 % flakiness, or one recent burst of 3 failures, does not warn', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = analyzeLatencyTrend(probes(() => 40, () => 0.2, seed), now, opts);
      expect(t.warning, t.message).toBe(false);
    }
    const burst = probes(() => 40, (ms) => (ms >= 9.8 * MIN ? 1 : 0), 1);
    expect(burst.filter((s) => !s.ok).length).toBe(3);
    expect(analyzeLatencyTrend(burst, now, opts).warning).toBe(false);
  });

  it('too little data says so', () => {
    const s = probes(() => 40, () => 0, 1).slice(0, 10);
    expect(analyzeLatencyTrend(s, now, opts).message).toMatch(/not enough probe results/);
  });
});

describe('LatencyTracker', () => {
  it('takes probe results (ignoring unknown) and evaluates on its clock', () => {
    const clock = new FakeClock(T0);
    const tracker = LatencyTracker.fromConfig(cfg, clock, 2000);
    expect(latencySampleFromProbe(T0, { status: 'unknown', message: 'could not run' })).toBeUndefined();
    for (let i = 0; i <= 60; i++) {
      tracker.addProbeResult({ status: 'success', message: 'ok', latencyMs: 50 + i * 5 });
      expect(tracker.addProbeResult({ status: 'unknown', message: 'x' })).toBe(false);
      clock.advance(10_000);
    }
    const t = tracker.evaluate();
    expect(t.kinds).toEqual(['latency-rising']);
    tracker.reset();
    expect(tracker.evaluate().warning).toBe(false);
  });
});
